using Synomaly.Cli.Commands;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class ReferenceCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("synomaly-cli-ref-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Verify_reference_passes_on_the_shipped_fixtures_adaptive_runs_included()
    {
        var results = ReferenceVerification.Run(TestPaths.ReferenceFixtures, null, CPU, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.True(r.Passed && r.MaxAbsError < 1e-4, $"{r.Name}: {r.MaxAbsError}"));
        Assert.Equal(
            ["adaptive run a (t = 500, k = 5, θ = 0.2, δ = 0.01)", "adaptive run b (t = 350, k = 3, θ = 0.1, δ = 0.01)", "adaptive run c (t = 600, k = 7, θ = 0.3, δ = 0.05)"],
            results.Skip(3).Select(r => r.Name));
        Assert.Contains("stages [5,3,5] vs reference [5,3,5]", results[5].Detail, StringComparison.Ordinal);
        Assert.Equal(0, Invoke("verify-reference", TestPaths.ReferenceFixtures, "--device", "cpu"));
    }

    [Fact]
    public async Task A_cancelled_verify_reference_exits_130_with_one_line_rather_than_a_verdict()
    {
        var (code, error) = await StandardError.CaptureCancelled(["verify-reference", TestPaths.ReferenceFixtures, "--device", "cpu"]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: verify-reference stopped before the end; nothing was verified.", error.Trim());
    }

    [Fact]
    public void Verify_reference_fails_when_an_adaptive_run_is_not_reproduced()
    {
        CopyFixtures();

        // Perturb one pixel of run b's stage-1 reconstruction by 1e-3: only that run's check may fail.
        string reconstructions = Path.Combine(_dir, "tiny_adaptive_b_xpred.f32");
        byte[] bytes = File.ReadAllBytes(reconstructions);
        BitConverter.GetBytes(BitConverter.ToSingle(bytes, 400) + 1e-3f).CopyTo(bytes, 400);
        File.WriteAllBytes(reconstructions, bytes);

        // The command's exit code is whether every result passed (the eps test above runs it to 1).
        var failed = Assert.Single(ReferenceVerification.Run(_dir, "tiny_", CPU, cancellationToken: TestContext.Current.CancellationToken), r => !r.Passed);
        Assert.StartsWith("adaptive run b", failed.Name, StringComparison.Ordinal);
        Assert.InRange(failed.MaxAbsError, 9e-4, 1.1e-3);
    }

    [Fact]
    public async Task Verify_reference_fails_when_the_adaptive_tensors_are_there_but_their_meta_file_is_not()
    {
        CopyFixtures();
        File.Delete(Path.Combine(_dir, "tiny_adaptive_meta.json"));

        var error = Assert.Throws<MissingModelFileException>(() => ReferenceVerification.Run(_dir, "tiny_", CPU, cancellationToken: TestContext.Current.CancellationToken));
        var (code, stderr) = await StandardError.Capture(["verify-reference", _dir, "--device", "cpu"]);

        Assert.Equal("tiny_adaptive_meta.json is missing, but the folder holds 11 tiny_adaptive_*.f32 files: the adaptive runs cannot be replayed without it.", error.Message);
        Assert.Equal(1, code);
        Assert.Equal($"error: {error.Message}", stderr.Trim());
    }

    [Fact]
    public async Task Verify_reference_given_a_folder_that_does_not_exist_says_so_without_its_path()
    {
        string missing = Path.Combine(_dir, "Doe_Jane", "reference");

        var (code, stderr) = await StandardError.Capture(["verify-reference", missing, "--device", "cpu"]);

        Assert.Equal(1, code);
        Assert.Equal("error: The reference folder does not exist.", stderr.Trim());
    }

    [Theory]
    [InlineData("tiny_meta.json", "not json", "tiny_meta.json is not valid JSON")]
    [InlineData("tiny_meta.json", "{}", "tiny_meta.json does not have the reference's layout")]
    [InlineData("tiny_adaptive_meta.json", "{\"runs\": ", "tiny_adaptive_meta.json is not valid JSON")]
    [InlineData("tiny_adaptive_meta.json", "{\"runs\": {\"a\": {\"t\": \"500\"}}}", "tiny_adaptive_meta.json does not have the reference's layout")]
    public void A_meta_file_that_is_not_the_reference_s_json_is_named_in_the_error(string file, string content, string expected)
    {
        CopyFixtures();
        File.WriteAllText(Path.Combine(_dir, file), content);

        var error = Assert.Throws<InvalidDataException>(() => ReferenceVerification.Run(_dir, "tiny_", CPU, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reference_accepts_another_prefix_and_fails_on_a_wrong_reference()
    {
        foreach (string file in Directory.EnumerateFiles(TestPaths.ReferenceFixtures, "tiny_*"))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith("tiny_adaptive", StringComparison.Ordinal))
            {
                continue;
            }

            File.Copy(file, Path.Combine(_dir, "mine-" + name["tiny_".Length..]));
        }

        Assert.Equal("mine-", ReferenceVerification.FindPrefix(_dir));
        Assert.Equal(0, Invoke("verify-reference", _dir, "--device", "cpu"));

        // Perturb one value of the expected eps by 1e-3: the command must notice and fail.
        string eps = Path.Combine(_dir, "mine-output_eps.f32");
        byte[] bytes = File.ReadAllBytes(eps);
        BitConverter.GetBytes(BitConverter.ToSingle(bytes, 400) + 1e-3f).CopyTo(bytes, 400);
        File.WriteAllBytes(eps, bytes);
        Assert.Equal(1, Invoke("verify-reference", _dir, "--device", "cpu"));
        var failed = Assert.Single(ReferenceVerification.Run(_dir, "mine-", CPU, cancellationToken: TestContext.Current.CancellationToken), r => !r.Passed);
        Assert.StartsWith("unet eps", failed.Name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("0")]
    public async Task A_tolerance_that_is_not_a_positive_finite_number_is_refused_before_any_check_naming_the_option(string tolerance)
    {
        string[] arguments = ["verify-reference", TestPaths.ReferenceFixtures, "--device", "cpu", "--tolerance", tolerance];

        var error = Assert.Single(SynomalyCommand.Create().Parse(arguments).Errors);
        Assert.StartsWith("--tolerance must be a finite number above 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, await CommandRunner.RunAsync(arguments));
    }

    [Fact]
    public void Import_weights_writes_a_model_package_that_loads()
    {
        string output = Path.Combine(_dir, "model");
        Assert.Equal(0, Invoke("import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output, "--name", "tiny", "--t", "300"));

        var (model, card) = ModelPackage.Load(output, CPU);
        using (model)
        {
            Assert.Equal(("tiny", 300, 32), (card.Name, card.Profile().Timesteps[0], card.Architecture.ModelChannels));
            Assert.Equal("authors-checkpoint", card.Provenance!.Source);
        }

        Assert.Equal(StopRule.Released, card.Profile().StopRule);
        Assert.NotEqual(0, Invoke("import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output, "--t", "1000", "--force"));

        string paper = Path.Combine(_dir, "paper");
        Assert.Equal(0, Invoke("import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), paper, "--stop-rule", "paper", "--fusion", "none"));
        Assert.Equal((StopRule.Paper, FusionMode.None), (ModelPackage.LoadCard(paper).Profile().StopRule, ModelPackage.LoadCard(paper).Profile().Fusion));
        Assert.Equal(StopFloor.Reference, card.Profile().StopFloor);
        string scaled = Path.Combine(_dir, "scaled");
        Assert.Equal(0, Invoke("import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), scaled, "--stop-floor", "AreaScaled"));
        Assert.Equal(StopFloor.AreaScaled, ModelPackage.LoadCard(scaled).Profile().StopFloor);
    }

    [Theory]
    [InlineData("area-scaled")] // tune's spelling, which import-weights refused as an unknown enum name
    [InlineData("Area-Scaled")]
    [InlineData("AreaScaled")] // the enum name import-weights' help showed before: scripts written against it still work
    public void Import_weights_takes_the_stop_floor_as_tune_spells_it_and_as_its_older_help_did(string value)
    {
        string output = Path.Combine(_dir, "floor-" + value);

        Assert.Equal(0, Invoke("import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output, "--stop-floor", value));

        Assert.Equal(StopFloor.AreaScaled, ModelPackage.LoadCard(output).Profile().StopFloor);
    }

    [Theory]
    [InlineData("5")] // an enum option took any number and failed only when the card was checked
    [InlineData("scaled")]
    public async Task Import_weights_refuses_an_unknown_stop_floor_with_the_choices_named(string value)
    {
        string output = Path.Combine(_dir, "refused-floor");

        var (code, error) = await StandardError.Capture(["import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output, "--stop-floor", value]);

        Assert.Equal(2, code);
        Assert.Contains($"--stop-floor must be reference or area-scaled, not '{value}'.", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "nothing may be written after a refused option");
    }

    [Theory]
    [InlineData("--blur-kernel", "4", "error: --blur-kernel: The blur kernel size must be a positive odd number (got 4).")]
    [InlineData("--threshold", "-1", "error: --threshold: The map threshold must be a finite number >= 0 (got -1).")]
    [InlineData("--t", "1000", "error: --t: Timesteps are indices 0..999 (got 1000).")]
    [InlineData("--k", "4", "error: --k: The blur kernel size must be a positive odd number (got 4).")] // tune's name, an alias here: named as typed
    [InlineData("--theta", "-1", "error: --theta: The map threshold must be a finite number >= 0 (got -1).")]
    public async Task Import_weights_names_the_profile_option_it_refuses_as_typed(string option, string value, string expected)
    {
        string output = Path.Combine(_dir, "refused");

        var (code, error) = await StandardError.Capture(["import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output, option, value]);

        Assert.Equal(2, code);
        Assert.Equal(expected, error.Trim());
        Assert.False(Directory.Exists(output), "no part of a model package may be written for a card its loader would refuse");
    }

    [Fact]
    public async Task A_cancelled_import_weights_exits_130_and_writes_no_model_package()
    {
        string output = Path.Combine(_dir, "cancelled");

        var (code, error) = await StandardError.CaptureCancelled(["import-weights", Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt"), output]);

        Assert.Equal(130, code);
        Assert.Equal("cancelled: import-weights stopped before the end; no model package was written.", error.Trim());
        Assert.False(File.Exists(Path.Combine(output, ModelPackage.CardFile)));
        Assert.False(File.Exists(Path.Combine(output, ModelPackage.WeightsFile)));
    }

    [Fact]
    public async Task Import_weights_refuses_a_folder_holding_a_model_package_unless_forced()
    {
        string checkpoint = Path.Combine(TestPaths.ReferenceFixtures, "tiny_unet_checkpoint.pt");
        // Named after a patient, as a model folder may be: the refusal names the argument, never the path.
        string output = Path.Combine(_dir, "Doe_Jane");
        Assert.Equal(0, Invoke("import-weights", checkpoint, output, "--name", "tuned-here"));
        string card = Path.Combine(output, ModelPackage.CardFile);
        string weights = Path.Combine(output, ModelPackage.WeightsFile);
        byte[] cardBefore = File.ReadAllBytes(card);
        byte[] weightsBefore = File.ReadAllBytes(weights);

        var (code, error) = await StandardError.Capture(["import-weights", checkpoint, output, "--name", "other"]);

        Assert.Equal(2, code);
        Assert.Equal("error: outdir already holds a model package (model-card.json or model.safetensors); choose another folder, or give --force to replace it.", error.Trim());
        Assert.Equal(cardBefore, File.ReadAllBytes(card));
        Assert.Equal(weightsBefore, File.ReadAllBytes(weights));

        // Weights without a card are a model package too: the card may simply not have been written yet.
        File.Delete(card);
        Assert.Throws<ModelPackageExistsException>(() => ImportWeightsCommand.Run(checkpoint, output, "other", "1.0.0", InferenceProfile.ReleasedUltrasound, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(0, Invoke("import-weights", checkpoint, output, "--name", "other", "--force"));
        Assert.Equal("other", ModelPackage.LoadCard(output).Name);
    }

    /// <summary>Copies the shipped tiny fixtures into this test's folder, where they may be changed (never in ../shared).</summary>
    private void CopyFixtures()
    {
        foreach (string file in Directory.EnumerateFiles(TestPaths.ReferenceFixtures, "tiny_*"))
        {
            File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        }
    }

    private static int Invoke(params string[] args) => SynomalyCommand.Create().Parse(args).Invoke();
}
