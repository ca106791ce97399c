namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// Runs its tests after every parallel test of the assembly has finished, and none beside them: they change the process's
/// environment (TMPDIR), which every other test's temporary files would follow.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}
