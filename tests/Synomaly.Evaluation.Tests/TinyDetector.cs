using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using static TorchSharp.torch;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// An untrained UNet for 8-pixel slices with its cosine schedule, and evaluators over it (batches of 2, on the CPU): the
/// smallest inference the evaluator, tuner and normative residual tests can run. Its maps are noise, which is what they need.
/// </summary>
internal sealed class TinyDetector : IDisposable
{
    private readonly UNet _model = new(new UNetConfig { ImageSize = 8, ModelChannels = 32, ChannelMult = "1", NumResBlocks = 1, AttentionResolutions = "16", NumHeadChannels = 32 });
    private readonly GaussianDiffusion _diffusion = new(BetaSchedule.Cosine);

    public Evaluator Evaluator(MapRegion region = MapRegion.Foreground) => new(new AnomalyDetector(_model, _diffusion), CPU, batchSize: 2, region);

    public void Dispose()
    {
        _model.Dispose();
        _diffusion.Dispose();
    }
}
