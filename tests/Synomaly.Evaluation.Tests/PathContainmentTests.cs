namespace Synomaly.Evaluation.Tests;

public sealed class PathContainmentTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-containment-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void A_folder_contains_itself_and_what_lies_below_it()
    {
        string run = Path.Combine(_scratch, "run");

        Assert.True(PathContainment.Contains(run, run));
        Assert.True(PathContainment.Contains(run + Path.DirectorySeparatorChar, run));
        Assert.True(PathContainment.Contains(run, Path.Combine(run, "model", "model.safetensors")));
        Assert.True(PathContainment.Contains(run, Path.Combine(run, "a", "..", "b.png")));
    }

    [Fact]
    public void A_sibling_whose_name_starts_with_the_folder_s_name_is_outside_it()
    {
        string run = Path.Combine(_scratch, "run");

        Assert.False(PathContainment.Contains(run, Path.Combine(_scratch, "run2", "a.png")));
        Assert.False(PathContainment.Contains(run, Path.Combine(_scratch, "run2")));
        Assert.False(PathContainment.Contains(run, _scratch));
        Assert.False(PathContainment.Contains(run, Path.Combine(run, "..", "other.png")));
        Assert.False(PathContainment.ContainsFollowingLinks(run, Path.Combine(_scratch, "run2")));
    }

    [Fact]
    public void The_root_contains_every_path()
    {
        string root = Path.GetPathRoot(_scratch)!;

        Assert.True(PathContainment.Contains(root, _scratch));
        Assert.True(PathContainment.ContainsFollowingLinks(root, _scratch));
    }

    [Fact]
    public void A_relative_path_is_taken_from_the_working_folder()
    {
        Assert.True(PathContainment.Contains(Directory.GetCurrentDirectory(), "a.png"));
        Assert.True(PathContainment.Contains(".", Path.Combine(Directory.GetCurrentDirectory(), "a.png")));
    }

    [Fact]
    public void Only_the_link_following_question_sees_a_path_through_a_link_into_the_folder()
    {
        string data = Path.Combine(_scratch, "data");
        Directory.CreateDirectory(data);
        string link = Path.Combine(_scratch, "link");
        Directory.CreateSymbolicLink(link, data);
        string throughLink = Path.Combine(link, "out");

        Assert.False(PathContainment.Contains(data, throughLink));
        Assert.True(PathContainment.ContainsFollowingLinks(data, throughLink));
        Assert.True(PathContainment.ContainsFollowingLinks(link, Path.Combine(data, "out")));
    }

    [Fact]
    public void Names_compare_as_the_file_system_does()
    {
        string run = Path.Combine(_scratch, "Run");
        string lowerCase = Path.Combine(_scratch, "run", "a.png");

        Assert.Equal(OperatingSystem.IsWindows() || OperatingSystem.IsMacOS(), PathContainment.Contains(run, lowerCase));
        Assert.True(PathContainment.Contains(run, lowerCase, StringComparison.OrdinalIgnoreCase));
        Assert.False(PathContainment.Contains(run, lowerCase, StringComparison.Ordinal));
        Assert.False(PathContainment.Contains(run, Path.Combine(_scratch, "RUN2", "a.png"), StringComparison.OrdinalIgnoreCase));
    }
}
