namespace Synomaly.Diffusion.Tests.Inference;

/// <summary>Runs its tests after every parallel test of the assembly has finished, and none beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GarbageCollectionPressureCollection
{
    public const string Name = "Garbage collection pressure";
}
