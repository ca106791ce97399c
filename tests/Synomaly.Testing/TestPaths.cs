namespace Synomaly.Testing;

/// <summary>Locations tests read from: the repository root and the shared data and fixtures beside it.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>../shared beside the checkout (CI clones the repository with shared/ beside it).</summary>
    public static string Shared { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    public static string ReferenceFixtures => Path.Combine(Shared, "fixtures", "reference-unet");

    public static string Data => Path.Combine(Shared, "data");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Synomaly.Cloud.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Synomaly.Cloud.sln not found above the test binaries.");
    }
}
