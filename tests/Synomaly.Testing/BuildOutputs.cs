using System.Reflection;

namespace Synomaly.Testing;

/// <summary>Reads build-output locations that a test project stamps into its assembly as AssemblyMetadata.</summary>
public static class BuildOutputs
{
    public static string Get(Assembly testAssembly, string key) =>
        testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no AssemblyMetadata '{key}'.");
}
