using Synomaly.Cli.Local;
using Synomaly.Diffusion;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A --device value that is no device is an option error (exit 2) naming --device and the valid forms, in every command
/// that takes one, instead of libtorch's parse error reported as a model that cannot be loaded.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class DeviceOptionTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-device-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Detect_with_an_unknown_device_is_an_option_error_before_any_scan()
    {
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "device-tiny");
        string scan = Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "colin27-healthy.png");
        string output = Path.Combine(_scratch, "out");

        var (code, errors) = await StandardError.Capture(["detect", scan, "--model", model, "--device", "gpu", "--out", output]);

        Assert.Equal(2, code);
        Assert.Contains("--device: 'gpu' is not a device", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Train_with_an_unknown_device_is_an_option_error_before_any_training()
    {
        string output = Path.Combine(_scratch, "run");

        var (code, errors) = await StandardError.Capture(["train", Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "--out", output, "--steps", "1", "--size", "32", "--device", "GPU"]);

        Assert.Equal(2, code);
        Assert.Contains("--device: 'GPU' is not a device", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Detect_and_train_on_a_device_this_process_cannot_use_are_option_errors_as_in_check_device()
    {
        // No CUDA here (and no machine has eight GPUs in CI): TorchDevice's refusal was a failed run (1) in every verb but
        // check-device, while README promised 2 for every verb.
        string model = TinyModelPackage.Save(Path.Combine(_scratch, "model-cuda"), "device-tiny");
        string scan = Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "colin27-healthy.png");
        string detectOutput = Path.Combine(_scratch, "out-cuda");
        string trainOutput = Path.Combine(_scratch, "run-cuda");

        var (detectCode, detectErrors) = await StandardError.Capture(["detect", scan, "--model", model, "--device", "cuda:7", "--out", detectOutput]);
        var (trainCode, trainErrors) = await StandardError.Capture(["train", Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "--out", trainOutput, "--steps", "1", "--size", "32", "--device", "cuda:7"]);

        Assert.Equal((2, 2), (detectCode, trainCode));
        Assert.StartsWith("error: --device: Device 'cuda:7' was requested but", detectErrors, StringComparison.Ordinal);
        Assert.StartsWith("error: --device: Device 'cuda:7' was requested but", trainErrors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(detectOutput));
        Assert.False(Directory.Exists(trainOutput));
    }

    [Theory]
    [InlineData("check-device")]
    [InlineData("bench")]
    public async Task Check_device_and_bench_report_an_unknown_device_as_every_verb_does(string verb)
    {
        string output = Path.Combine(_scratch, verb);

        var (code, errors) = await StandardError.Capture([verb, "--device", "gpu", "--out", output]);

        Assert.Equal(2, code);
        Assert.StartsWith("error: --device: 'gpu' is not a device", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("cpu", true)]
    [InlineData(" CUDA ", true)]
    [InlineData("cuda:1", true)]
    [InlineData("Auto", true)]
    [InlineData("", true)]
    [InlineData("  ", true)]
    [InlineData(null, true)]
    [InlineData("gpu", false)]
    [InlineData("cuda:", false)]
    [InlineData("cuda:-1", false)]
    [InlineData("cuda: 1", false)]
    public void The_one_device_rule_accepts_cpu_cuda_cuda_n_and_auto_with_blank_as_auto(string? setting, bool valid)
    {
        Assert.Equal(valid, TorchDevice.IsValidSetting(setting));
    }

    [Fact]
    public async Task A_local_pipeline_with_an_unknown_device_fails_before_azurite_is_started()
    {
        // A repository root without scripts/azurite.sh: reaching Azurite would fail with another error.
        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = Path.Combine(_scratch, "no-repository"),
            ModelDirectory = TinyModelPackage.Save(Path.Combine(_scratch, "model"), "device-tiny"),
            LogDirectory = Path.Combine(_scratch, "logs"),
            Device = "gpu",
        };

        var error = await Assert.ThrowsAsync<UnknownDeviceException>(() => LocalPipeline.StartAsync(settings, TestContext.Current.CancellationToken));

        Assert.Equal("gpu", error.Setting);
    }
}
