using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-train-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static readonly string[] TinyModel =
        ["--size", "32", "--model-channels", "32", "--channel-mult", "1,2", "--res-blocks", "1", "--attention", "2", "--head-channels", "32", "--batch", "2", "--loss", "mse", "--device", "cpu"];

    private static string Slices => Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val");

    [Fact]
    public async Task A_spent_time_budget_exports_a_loadable_model_whose_card_names_the_steps_trained()
    {
        string output = Path.Combine(_scratch, "run");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "100000", "--max-minutes", "0.0001", .. TinyModel]);

        Assert.Equal(0, code);
        var card = ModelPackage.LoadCard(Path.Combine(output, "model"));
        int steps = card.Provenance!.TrainingArgs!["Steps"]!.GetValue<int>();
        Assert.InRange(steps, 1, 99_999);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task A_negative_or_undefined_time_budget_is_refused_before_any_training(string minutes)
    {
        string output = Path.Combine(_scratch, "refused");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--max-minutes", minutes, .. TinyModel]);

        Assert.Equal(1, code);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")), "nothing may be trained after a refused option");
    }

    [Fact]
    public async Task A_loss_other_than_vlb_or_mse_is_refused_rather_than_trained_as_vlb()
    {
        string output = Path.Combine(_scratch, "l2");

        int code = await CommandRunner.RunAsync(["train", Slices, "--out", output, "--steps", "1", .. TinyModel.Select(a => a == "mse" ? "l2" : a)]);

        Assert.Equal(1, code);
        Assert.False(Directory.Exists(output), "nothing may be trained after a refused option");
    }
}
