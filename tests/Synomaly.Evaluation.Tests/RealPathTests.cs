namespace Synomaly.Evaluation.Tests;

public sealed class RealPathTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-realpath-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void A_file_reached_through_a_linked_folder_has_the_real_folder_s_path()
    {
        string real = Slice(Path.Combine(_scratch, "val"), "a.png");
        Directory.CreateSymbolicLink(Path.Combine(_scratch, "link"), Path.Combine(_scratch, "val"));

        Assert.Equal(RealPath.Of(real), RealPath.Of(Path.Combine(_scratch, "link", "a.png")));
    }

    [Fact]
    public void A_relative_link_to_a_file_through_another_linked_folder_resolves_to_the_file()
    {
        string real = Slice(Path.Combine(_scratch, "val"), "a.png");
        Directory.CreateSymbolicLink(Path.Combine(_scratch, "val-link"), "val");
        Directory.CreateDirectory(Path.Combine(_scratch, "train"));
        File.CreateSymbolicLink(Path.Combine(_scratch, "train", "b.png"), Path.Combine("..", "val-link", "a.png"));

        Assert.Equal(RealPath.Of(real), RealPath.Of(Path.Combine(_scratch, "train", "b.png")));
    }

    [Fact]
    public void Dot_dot_after_a_linked_folder_leaves_the_link_s_target_not_the_link()
    {
        Directory.CreateDirectory(Path.Combine(_scratch, "deep", "val"));
        Directory.CreateSymbolicLink(Path.Combine(_scratch, "link"), Path.Combine(_scratch, "deep", "val"));

        Assert.Equal(RealPath.Of(Path.Combine(_scratch, "deep")), RealPath.Of(Path.Combine(_scratch, "link", "..")));
    }

    [Fact]
    public void A_path_without_links_is_its_full_path_and_a_missing_one_is_kept_as_spelt()
    {
        string real = Slice(Path.Combine(_scratch, "val"), "a.png");
        string resolvedScratch = RealPath.Of(_scratch);

        Assert.Equal(Path.Combine(resolvedScratch, "val", "a.png"), RealPath.Of(real));
        Assert.Equal(Path.Combine(resolvedScratch, "val", "missing.png"), RealPath.Of(Path.Combine(_scratch, "val", ".", "missing.png")));
    }

    [Fact]
    public void A_loop_of_links_is_refused_with_an_io_error_that_says_so_and_quotes_no_path()
    {
        // Commands print this message (the command line keeps the text of this type, and hides that of other IO errors,
        // which quote paths), and folder names can carry patient names.
        File.CreateSymbolicLink(Path.Combine(_scratch, "Doe_Jane"), Path.Combine(_scratch, "b"));
        File.CreateSymbolicLink(Path.Combine(_scratch, "b"), Path.Combine(_scratch, "Doe_Jane"));

        var error = Assert.Throws<SymbolicLinkLoopException>(() => RealPath.Of(Path.Combine(_scratch, "Doe_Jane")));
        Assert.Equal("A path goes through a symbolic link loop (or a chain longer than 40 links).", error.Message);
    }

    private static string Slice(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, [1, 2, 3]);
        return path;
    }
}
