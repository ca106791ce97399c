using Microsoft.Azure.WebJobs;

namespace Synomaly.DevHost;

/// <summary>
/// Exactly the DevHost's function class. The default locator scans loaded assemblies, which would also pick up test
/// classes or the Functions app's isolated-worker triggers when the host runs inside another process.
/// </summary>
public sealed class FixedTypeLocator : ITypeLocator
{
    public IReadOnlyList<Type> GetTypes() => [typeof(DevHostFunctions)];
}
