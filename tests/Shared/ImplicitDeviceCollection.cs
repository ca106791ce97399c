// Linked into each test project that uses ImplicitDeviceTrap: a collection belongs to one test assembly, so each needs
// its own definition.
namespace Synomaly.Testing;

/// <summary>
/// Runs its tests after every parallel test of the assembly has finished, and none beside them: libtorch's default device,
/// which <see cref="ImplicitDeviceTrap"/> changes, is one setting for the whole process, not per thread (as is the default
/// dtype, which the UNet's dtype tests change).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ImplicitDeviceCollection
{
    public const string Name = "Implicit device trap";
}
