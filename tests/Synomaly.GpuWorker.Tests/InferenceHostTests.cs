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
}
