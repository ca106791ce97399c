using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A repository root with the real Azurite script and package, and "builds" of the hosts that are only files, not
/// assemblies: what runs for them is the `dotnet` on the PATH the hosts are given (the real one makes each host exit as
/// soon as it is started).
/// </summary>
internal static class FakeHostsRepository
{
    /// <summary>Makes the repository under <paramref name="work"/> and returns its root.</summary>
    public static string Create(string work)
    {
        string root = Path.Combine(work, "repo");
        Directory.CreateDirectory(root);
        Directory.CreateSymbolicLink(Path.Combine(root, "scripts"), Path.Combine(TestPaths.RepositoryRoot, "scripts"));
        Directory.CreateSymbolicLink(Path.Combine(root, "node_modules"), Path.Combine(TestPaths.RepositoryRoot, "node_modules"));
        foreach (var (project, assembly) in new[] { ("DevHost", "Synomaly.DevHost.dll"), ("GpuWorker", "Synomaly.GpuWorker.dll") })
        {
            string folder = Path.Combine(root, "src", project, "bin", "Release", "net10.0");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, assembly), "not an assembly");
        }

        return root;
    }
}
