using Synomaly.Cli.Commands;

namespace Synomaly.Cli.Tests;

// With the command classes: the membership check counts every call into Synomaly.Cli.Commands as a command run.
[Collection(ConsoleDisplayCollection.Name)]
public sealed class TrainRunFolderTests
{
    [Fact]
    public void The_run_s_files_are_left_out_and_a_sibling_sharing_its_name_s_start_is_kept()
    {
        string data = Path.Combine(Path.GetTempPath(), "data");
        string inRun = Path.Combine(data, "run", "loss.png");
        string inSibling = Path.Combine(data, "run2", "a.png");

        Assert.Equal([inSibling], TrainRunFolder.LeftOutOf([inRun, inSibling], Path.Combine(data, "run")));
    }

    [Fact]
    public void An_out_at_the_file_system_root_leaves_every_file_out()
    {
        // The prefix check added a separator to the root's own ("//"), so no file lay inside "/".
        string file = Path.Combine(Path.GetTempPath(), "data", "a.png");

        Assert.Empty(TrainRunFolder.LeftOutOf([file], Path.GetPathRoot(file)!));
    }
}
