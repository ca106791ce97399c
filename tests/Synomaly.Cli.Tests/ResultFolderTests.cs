using Synomaly.Cli.Detection;

namespace Synomaly.Cli.Tests;

public sealed class ResultFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("synomaly-result-folder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_write_that_fails_leaves_the_earlier_results_as_they_were_and_no_staging_folder()
    {
        string folder = Path.Combine(_root, "001-a");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), "earlier");

        Assert.Throws<IOException>(() => ResultFolder.WriteReplacing<int>(folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "report.json"), "half");
            throw new IOException("Disk full (injected).");
        }));

        Assert.Equal("earlier", File.ReadAllText(Path.Combine(folder, "report.json")));
        Assert.Equal([folder], Directory.GetDirectories(_root));
    }

    [Fact]
    public void A_write_that_succeeds_takes_the_folders_place_with_only_its_own_files()
    {
        string folder = Path.Combine(_root, "out", "001-a");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "heatmap.png"), "earlier");

        int written = ResultFolder.WriteReplacing(folder, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "report.json"), "new");
            return 1;
        });

        Assert.Equal(1, written);
        Assert.Equal([Path.Combine(folder, "report.json")], Directory.GetFiles(folder));
        Assert.Equal([folder], Directory.GetDirectories(Path.Combine(_root, "out")));
    }

    [Fact]
    public void A_folder_name_taken_by_a_file_fails_the_write_and_leaves_no_staging_folder()
    {
        string folder = Path.Combine(_root, "001-a");
        File.WriteAllText(folder, "a file, not a folder");

        Assert.ThrowsAny<IOException>(() => ResultFolder.WriteReplacing(folder, _ => 1));

        Assert.Empty(Directory.GetDirectories(_root));
        Assert.Equal("a file, not a folder", File.ReadAllText(folder));
    }
}
