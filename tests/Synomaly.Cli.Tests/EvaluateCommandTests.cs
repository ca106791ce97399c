using System.Text.Json;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

[Collection(ConsoleDisplayCollection.Name)]
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string At(string relative) => Path.Combine(_scratch, relative);

    [Fact]
    public async Task Evaluate_reports_the_three_modes_on_given_scans_with_their_masks_without_split_or_synthesis()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        EvaluationScans.IxiWithLesion(0, At("anomalous"), At("masks"));
        EvaluationScans.IxiWithLesion(1, At("anomalous"), At("masks"));
        Directory.CreateDirectory(At("healthy"));
        foreach (int i in (int[])[2, 3, 4])
        {
            File.Copy(EvaluationScans.IxiSlice(i), At("healthy/" + Path.GetFileName(EvaluationScans.IxiSlice(i))));
        }

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--healthy", At("healthy"), "--anomalous", At("anomalous"), "--masks", At("masks"),
            "--min-component", "2", "--device", "cpu", "--out", At("out")]);

        Assert.Equal(0, code);
        using var results = JsonDocument.Parse(File.ReadAllText(At("out/evaluation.json")));
        Assert.Equal(["single-stage", "fixed-list", "adaptive"], results.RootElement.EnumerateArray().Select(r => r.GetProperty("Name").GetString()));
        Assert.All(results.RootElement.EnumerateArray(), r => Assert.Equal((2, 3), (r.GetProperty("AnomalousCases").GetInt32(), r.GetProperty("HealthyCases").GetInt32())));
        Assert.Contains("given sets (3 healthy slices from 3 files, 2 anomalous slices from 2 files with their masks", File.ReadAllText(At("out/evaluation.md")), StringComparison.Ordinal);
        Assert.Contains("bootstrap intervals resample whole subjects", File.ReadAllText(At("out/evaluation.md")), StringComparison.Ordinal);
        Assert.Contains(",given,mask,", File.ReadAllText(At("out/cases.csv")), StringComparison.Ordinal);
        using var manifest = JsonDocument.Parse(File.ReadAllText(At("out/reporting-set.json")));
        Assert.Equal(2, manifest.RootElement.GetProperty("anomalous").GetArrayLength());
        Assert.All(manifest.RootElement.GetProperty("anomalous").EnumerateArray(), a => Assert.Equal("brain-mri", a.GetProperty("preset").GetString()));
        foreach (var figure in (string[])["roc-pixel.png", "pr-pixel.png", "roc-image.png", "pr-image.png", "samples.png"])
        {
            Assert.True(new FileInfo(At("out/" + figure)).Length > 0, figure);
        }
    }

    [Theory]
    [InlineData("--healthy")]
    [InlineData("--anomalous")]
    public async Task Data_mixed_with_given_sets_is_refused_before_any_work(string given)
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        Directory.CreateDirectory(At("scans"));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--data", At("scans"), given, At("scans"), "--masks", At("scans"), "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        Assert.False(Directory.Exists(At("refused")), "nothing may run after refused inputs");
    }

    [Fact]
    public async Task An_anomalous_scan_without_its_mask_is_refused_and_nothing_is_written()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        EvaluationScans.IxiWithLesion(0, At("anomalous"), At("masks"));
        EvaluationScans.IxiWithLesion(1, At("anomalous"), At("other-masks"));

        int code = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("anomalous"), "--masks", At("masks"), "--device", "cpu", "--out", At("refused")]);

        Assert.Equal(1, code);
        Assert.False(Directory.Exists(At("refused")));
    }

    [Fact]
    public async Task Tune_on_given_sets_records_their_subjects_and_evaluate_refuses_to_report_on_them()
    {
        string model = TinyModelPackage.Save(At("model"), "tiny");
        EvaluationScans.IxiWithLesion(0, At("tuning-set"), At("tuning-masks"));
        EvaluationScans.IxiWithLesion(1, At("tuning-set"), At("tuning-masks"));
        EvaluationScans.IxiWithLesion(2, At("reporting-set"), At("reporting-masks"));

        int tuned = await CommandRunner.RunAsync(["tune", "--model", model, "--anomalous", At("tuning-set"), "--masks", At("tuning-masks"), "--grid", "custom",
            "--t", "100", "--k", "3", "--theta", "0.2", "--min-component", "2", "--device", "cpu", "--out", At("tuning")]);
        int onTuningSet = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("tuning-set"), "--masks", At("tuning-masks"), "--device", "cpu", "--out", At("refused")]);
        int onOthers = await CommandRunner.RunAsync(["evaluate", "--model", model, "--anomalous", At("reporting-set"), "--masks", At("reporting-masks"), "--device", "cpu", "--out", At("reported")]);

        Assert.Equal((0, 2, 0), (tuned, onTuningSet, onOthers));
        Assert.Equal(2, ModelPackage.LoadCard(model).Profile("brain-mri").TuningSubjects!.Count);
        Assert.StartsWith("# Tuning (given tuning set only)", File.ReadAllText(At("tuning/tuning.md")), StringComparison.Ordinal);
        Assert.False(File.Exists(At("refused/evaluation.json")));
    }
}
