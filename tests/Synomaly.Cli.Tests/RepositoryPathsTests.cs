using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Which checkout the local commands (demo, up, soak, bench) run from. scripts/demo.sh names its own checkout
/// (<see cref="RepositoryPaths.RepositoryVariable"/>): run from inside another checkout, the CLI took that one, its
/// samples and its built hosts, since the current folder is looked at first. By hand, the current folder still comes first.
/// </summary>
public sealed class RepositoryPathsTests : IDisposable
{
    private readonly ScratchDirectory scratch = new("synomaly-repository-paths");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void A_named_checkout_is_taken_before_the_one_the_current_folder_is_in()
    {
        string own = Checkout("own");
        string other = Checkout("other");

        Assert.Equal(own, RepositoryPaths.FindRoot(own, Path.Combine(other, "samples"), Path.Combine(own, "src")));
    }

    [Fact]
    public void Without_a_name_the_checkout_of_the_current_folder_comes_before_the_program_s()
    {
        string own = Checkout("own");
        string other = Checkout("other");

        Assert.Equal(other, RepositoryPaths.FindRoot(null, Path.Combine(other, "samples"), Path.Combine(own, "src")));
        Assert.Equal(own, RepositoryPaths.FindRoot(string.Empty, scratch.Location, Path.Combine(own, "src")));
    }

    [Fact]
    public void A_named_folder_that_is_no_checkout_is_refused_by_the_variable_rather_than_looked_past()
    {
        string other = Checkout("other");
        string named = Directory.CreateDirectory(Path.Combine(scratch.Location, "not-a-checkout")).FullName;

        var refused = Assert.Throws<LocalSetupException>(() => RepositoryPaths.FindRoot(named, other));

        Assert.Equal($"{RepositoryPaths.RepositoryVariable} names {named}, which holds no Synomaly.Cloud.sln; unset it, or name the repository's root.", refused.Message);
    }

    [Fact]
    public void The_tests_run_the_checkout_they_were_built_in_even_where_the_developer_exported_the_variable()
    {
        // Seen failing run with SYNOMALY_REPOSITORY exported to another checkout: the in-process demo, up and soak tests,
        // and every CLI or script they start (which inherit the variable), took that checkout's samples, scripts and
        // built hosts, so a change under test here was tested against another tree's binaries.
        Assert.Null(Environment.GetEnvironmentVariable(RepositoryPaths.RepositoryVariable));
        Assert.Equal(TestPaths.RepositoryRoot, RepositoryPaths.FindRoot(), StringComparer.Ordinal);
    }

    private string Checkout(string name)
    {
        string root = Directory.CreateDirectory(Path.Combine(scratch.Location, name)).FullName;
        Directory.CreateDirectory(Path.Combine(root, "samples"));
        Directory.CreateDirectory(Path.Combine(root, "src"));
        File.WriteAllText(Path.Combine(root, "Synomaly.Cloud.sln"), string.Empty);
        return root;
    }
}
