using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.EndToEnd;
using Synomaly.GpuWorker.Tests.Support;
using TorchSharp;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The real engine behind the batcher, with the tiny model package on CPU.</summary>
public sealed class DiffusionSliceInferenceTests
{
    private static TorchModelLoader Loader(string version = TinyModel.Version) => new(
        new ModelPackageFetcher(MsOptions.Create(Model(version)), new BlobServiceClient("UseDevelopmentStorage=true")),
        MsOptions.Create(Model(version)),
        MsOptions.Create(new WorkerOptions { Device = "cpu" }));

    private static ModelOptions Model(string version) => new() { Source = ModelSource.Directory, Directory = TinyModel.Directory, Name = TinyModel.Name, Version = version };

    [Fact]
    public async Task A_batch_gives_one_output_per_slice_and_leaves_no_tensor_behind()
    {
        var inference = await Loader().LoadAsync(TestContext.Current.CancellationToken);
        var (height, width) = inference.SliceSize;
        var slices = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, height * width).Select(p => ((p + (i * 31)) % 17 / 8f) - 1f).ToArray()).ToList();
        inference.Run([slices[0]], "default", TestContext.Current.CancellationToken);

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var outputs = inference.Run(slices, "default", TestContext.Current.CancellationToken);
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, after);
        Assert.Equal((TinyModel.ImageSize, TinyModel.ImageSize), (height, width));
        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, o =>
        {
            Assert.Equal(height * width, o.AnomalyMap.Length);
            Assert.Equal(height * width, o.Counterfactual.Length);
            Assert.Equal(o.AnomalyMap.Select(v => v != 0), o.Mask);
            Assert.Equal(o.Mask.Count(m => m), o.Score);
            Assert.InRange(o.Stages, 1, 3);
            Assert.All(o.Counterfactual, v => Assert.InRange(v, -1f, 1f));
        });
        (inference as IDisposable)?.Dispose();
    }

    [Fact]
    public async Task A_cancelled_call_stops_with_OperationCanceledException_and_leaves_no_tensor_behind()
    {
        var inference = await Loader().LoadAsync(TestContext.Current.CancellationToken);
        var (height, width) = inference.SliceSize;
        float[][] slices = [new float[height * width], new float[height * width]];
        inference.Run([slices[0]], "default", TestContext.Current.CancellationToken);
        using var shutdown = new CancellationTokenSource();
        await shutdown.CancelAsync();

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.ThrowsAny<OperationCanceledException>(() => inference.Run(slices, "default", shutdown.Token));
        var after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // The slices reached the device and were checked before the first stage's check stopped the call.
        Assert.Equal(before, after);
        (inference as IDisposable)?.Dispose();
    }

    [Fact]
    public async Task A_slice_gets_the_same_output_in_any_batch_so_the_same_scan_gives_the_same_heatmap_again()
    {
        var inference = await Loader().LoadAsync(TestContext.Current.CancellationToken);
        var (height, width) = inference.SliceSize;
        var slices = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, height * width).Select(p => ((p + (i * 31)) % 17 / 8f) - 1f).ToArray()).ToList();

        var alone = inference.Run([slices[1]], "default", TestContext.Current.CancellationToken)[0];
        var batched = inference.Run(slices, "default", TestContext.Current.CancellationToken)[1];
        var later = inference.Run([slices[2], slices[1]], "default", TestContext.Current.CancellationToken)[1];

        foreach (var other in new[] { batched, later })
        {
            // The network's float sums may differ in the last bits with the batch size; the noise is the same.
            Assert.Equal(alone.Stages, other.Stages);
            Assert.All(alone.Counterfactual.Zip(other.Counterfactual), p => Assert.Equal(p.First, p.Second, 1e-5f));
            Assert.All(alone.AnomalyMap.Zip(other.AnomalyMap), p => Assert.Equal(p.First, p.Second, 1e-5f));
        }

        (inference as IDisposable)?.Dispose();
    }

    [Fact]
    public void A_slice_of_another_pixel_count_than_the_model_takes_is_refused_by_position_not_padded_or_cut()
    {
        var profile = new InferenceProfile { Timesteps = [10], BlurKernel = 3, Threshold = 0.3 };
        using var inference = UntrainedInference.Create(null, new Dictionary<string, InferenceProfile> { ["default"] = profile }, defaultProfile: "default");
        var pixels = UntrainedInference.Size * UntrainedInference.Size;

        foreach (var length in new[] { pixels - 1, pixels + 1 })
        {
            // A short slice was copied into a zeroed batch buffer (its last pixels silently 0), a long one failed on a span copy.
            var error = Assert.Throws<ArgumentException>(() => inference.Run([new float[pixels], new float[length]], "default", TestContext.Current.CancellationToken));

            Assert.Equal("slices", error.ParamName);
            Assert.Contains($"slice 1 of 2 (from 0) has {length} pixels", error.Message, StringComparison.Ordinal);
            Assert.Contains($"{UntrainedInference.Size}x{UntrainedInference.Size}", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_job_asking_for_a_profile_the_card_lacks_is_rejected_with_a_typed_reason()
    {
        var inference = await Loader().LoadAsync(TestContext.Current.CancellationToken);

        var error = Assert.Throws<JobRejectedException>(() => inference.ResolveProfile("liver-ct"));

        Assert.Equal(JobRejectedException.UnknownInferenceProfile, error.Reason);
        Assert.Equal("default", inference.ResolveProfile("default"));
        (inference as IDisposable)?.Dispose();
    }

    [Fact]
    public void The_default_alias_resolves_to_the_name_of_the_cards_default_profile_unless_the_card_has_a_profile_of_that_name()
    {
        var profile = new InferenceProfile { Timesteps = [10], BlurKernel = 3, Threshold = 0.3 };
        using var demoLike = UntrainedInference.Create("brain-mri", new Dictionary<string, InferenceProfile> { ["brain-mri"] = profile }, defaultProfile: "brain-mri");
        using var withDefault = UntrainedInference.Create(null, new Dictionary<string, InferenceProfile> { ["default"] = profile, ["brain-mri"] = profile }, defaultProfile: "brain-mri");

        Assert.Equal("brain-mri", demoLike.ResolveProfile(InferenceProfileNames.Default));
        Assert.Equal("brain-mri", demoLike.ResolveProfile("brain-mri"));
        Assert.Equal("default", withDefault.ResolveProfile(InferenceProfileNames.Default));
    }

    [Fact]
    public void Disposing_the_engine_frees_the_diffusion_tables_it_owns_as_well_as_the_network()
    {
        var config = new Synomaly.Diffusion.Model.UNetConfig { ImageSize = 8, ModelChannels = 32, NumResBlocks = 1, AttentionResolutions = "16", ChannelMult = "1" };
        var card = new ModelCard { Name = "m", Version = "1", Architecture = config, Preprocessing = new Preprocessing { ImageSize = 8 } };
        var diffusion = new Synomaly.Diffusion.Schedules.GaussianDiffusion(Synomaly.Diffusion.Schedules.BetaSchedule.Cosine, 10);
        var inference = new DiffusionSliceInference(new Synomaly.Diffusion.Model.UNet(config), diffusion, card);
        using var x = torch.zeros(1, 1, 8, 8);
        using var t = torch.tensor(new long[] { 1 });
        diffusion.QSample(x, t, x).Dispose(); // the tables are on the device now

        inference.Dispose();

        Assert.Throws<ObjectDisposedException>(() => diffusion.QSample(x, t, x));
    }

    [Fact]
    public async Task A_package_that_is_not_the_configured_version_is_refused_at_load()
    {
        var error = await Assert.ThrowsAsync<ModelSettingsMismatchException>(() => Loader(version: "9.9.9").LoadAsync(TestContext.Current.CancellationToken));

        Assert.Contains("9.9.9", error.Message, StringComparison.Ordinal);
        Assert.Contains($"set Model__Version to {TinyModel.Version}", error.Message, StringComparison.Ordinal);
    }
}
