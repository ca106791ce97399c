using Microsoft.Extensions.Logging;
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

    private sealed class FailingLoader(Exception error) : IModelLoader
    {
        public Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default) => Task.FromException<ISliceInference>(error);
    }
}
