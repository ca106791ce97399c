using Microsoft.Extensions.Logging;
using Synomaly.Diffusion;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

public sealed class InferenceHostTests
{
    [Fact]
    public async Task The_model_is_loaded_once_and_warmed_up_with_one_model_size_slice_before_it_is_ready()
    {
        await using var harness = new WorkerHarness();
        harness.Host.StartLoading(TestContext.Current.CancellationToken);

        Assert.True(harness.Host.IsReady);
        Assert.Equal(1, harness.Loader.Loads);
        var slice = Assert.Single(harness.WarmUpCall);
        Assert.Equal(16, slice.Length);
    }

    [Fact]
    public async Task A_failed_load_is_logged_by_the_errors_type_and_never_by_its_message_above_debug()
    {
        // A third-party message naming a path, as TorchSharp's and the IO classes' do.
        var error = new FileNotFoundException("Could not find file '/models/jane-doe-study/unet.safetensors'.");
        var log = new RecordingLogger<InferenceHost>();
        var host = new InferenceHost(new FailingLoader(error), log);

        host.StartLoading(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<FileNotFoundException>(() => host.WhenReadyAsync(TestContext.Current.CancellationToken));

        var failed = Assert.Single(log.Entries, e => e.Level == LogLevel.Critical);
        Assert.Equal("The model could not be loaded (FileNotFoundException); the worker stays unready and fails liveness, to be restarted", failed.Message);
        Assert.All(log.Entries.Where(e => e.Level > LogLevel.Debug), e => Assert.Null(e.Exception));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("jane-doe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_model_that_does_not_match_the_settings_is_logged_with_the_names_and_the_remedy()
    {
        // The deploy guide's v1 setting against a card exported as demo-v8: by type alone the log said only
        // "InvalidOperationException", and the replica restarted for ever without saying why.
        var error = new ModelSettingsMismatchException("brain-mri-demo", "demo-v8", "brain-mri-demo", "v1");
        var log = new RecordingLogger<InferenceHost>();
        var host = new InferenceHost(new FailingLoader(error), log);

        host.StartLoading(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ModelSettingsMismatchException>(() => host.WhenReadyAsync(TestContext.Current.CancellationToken));

        var failed = Assert.Single(log.Entries, e => e.Level == LogLevel.Critical);
        Assert.StartsWith("The model could not be loaded (ModelSettingsMismatchException: The model package's card is brain-mri-demo demo-v8; the settings name brain-mri-demo v1.", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Model__Version to demo-v8", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_the_process_cannot_use_is_logged_with_its_reason()
    {
        var error = new DeviceUnavailableException("Device 'cuda:2' was requested but this process sees 1 CUDA device(s) (cuda:0 to cuda:0).");
        var log = new RecordingLogger<InferenceHost>();
        var host = new InferenceHost(new FailingLoader(error), log);

        host.StartLoading(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<DeviceUnavailableException>(() => host.WhenReadyAsync(TestContext.Current.CancellationToken));

        var failed = Assert.Single(log.Entries, e => e.Level == LogLevel.Critical);
        Assert.Contains("sees 1 CUDA device(s)", failed.Message, StringComparison.Ordinal);
        Assert.StartsWith("The model could not be loaded (DeviceUnavailableException: ", failed.Message, StringComparison.Ordinal);
    }

    private sealed class FailingLoader(Exception error) : IModelLoader
    {
        public Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default) => Task.FromException<ISliceInference>(error);
    }
}
