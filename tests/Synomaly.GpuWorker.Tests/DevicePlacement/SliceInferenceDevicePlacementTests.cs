using Azure.Storage.Blobs;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Tests.EndToEnd;
using Synomaly.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests.DevicePlacement;

/// <summary>
/// The worker's model call (a batch of slices into one tensor, the detector, the outputs copied back per slice) makes no
/// tensor without naming its device (see <see cref="ImplicitDeviceTrap"/>) and gives the untrapped outputs to the bit. The
/// model is loaded outside the trap, as the worker loads it once on the CPU before moving it to the device.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class SliceInferenceDevicePlacementTests
{
    [Fact]
    public async Task A_batch_makes_no_tensor_off_the_model_device()
    {
        var options = new ModelOptions { Source = ModelSource.Directory, Directory = TinyModel.Directory, Name = TinyModel.Name, Version = TinyModel.Version };
        var loader = new TorchModelLoader(
            new ModelPackageFetcher(MsOptions.Create(options), new BlobServiceClient("UseDevelopmentStorage=true")),
            MsOptions.Create(options),
            MsOptions.Create(new WorkerOptions { Device = "cpu" }));
        var inference = await loader.LoadAsync(TestContext.Current.CancellationToken);
        try
        {
            var (height, width) = inference.SliceSize;
            var slices = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, height * width).Select(p => ((p + (i * 31)) % 17 / 8f) - 1f).ToArray()).ToList();

            // Trapped first, so that what the first call of a loaded model does (the schedule's tables reach the device) is trapped too.
            var trapped = ImplicitDeviceTrap.Run(() => inference.Run(slices, "default", TestContext.Current.CancellationToken));
            var expected = inference.Run(slices, "default", TestContext.Current.CancellationToken);

            Assert.Equal(expected.Count, trapped.Count);
            Assert.All(expected.Zip(trapped), pair =>
            {
                Assert.Equal(pair.First.Counterfactual, pair.Second.Counterfactual);
                Assert.Equal(pair.First.AnomalyMap, pair.Second.AnomalyMap);
                Assert.Equal(pair.First.Mask, pair.Second.Mask);
                Assert.Equal((pair.First.Score, pair.First.Stages, pair.First.NormativeFallback), (pair.Second.Score, pair.Second.Stages, pair.Second.NormativeFallback));
            });
        }
        finally
        {
            (inference as IDisposable)?.Dispose();
        }
    }
}
