using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// Ctrl-C in tune and evaluate reaches the evaluator and the tuner as a cancelled token: they stop at the next batch or
/// candidate with an <see cref="OperationCanceledException"/>, never with a partial result that could pass for a whole one.
/// </summary>
public sealed class CancellationTests : IDisposable
{
    private readonly TinyDetector _detector = new();

    public void Dispose() => _detector.Dispose();

    [Fact]
    public void The_evaluator_stops_before_the_next_batch_once_cancelled()
    {
        var evaluator = _detector.Evaluator();
        using var cancellation = new CancellationTokenSource();
        var reported = new List<int>();
        var progress = new Immediate(done =>
        {
            reported.Add(done);
            cancellation.Cancel();
        });

        Assert.Throws<OperationCanceledException>(() => evaluator.Run("cancelled", Cases(6), Options, progress, cancellation.Token));

        Assert.Equal([2], reported);
    }

    [Fact]
    public void The_evaluator_stops_inside_a_batch_before_its_next_stage_once_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        using var model = new CancellingModel(cancellation);
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var evaluator = new Evaluator(new AnomalyDetector(model, diffusion), CPU, batchSize: 2);
        var reported = new List<int>();
        var adaptive = InferenceOptions.Adaptive(100, 3, 0.2, InferenceOptions.NeverStopDelta) with { MinComponentSize = 0, Seed = 1 };

        Assert.Throws<OperationCanceledException>(() => evaluator.Run("cancelled", Cases(2), adaptive, new Immediate(reported.Add), cancellation.Token));

        // One adaptive batch is five network passes here; on a CPU at 128 pixels that is up to a minute, past the CLI's
        // 60 s grace after Ctrl-C. The first stage's pass cancels, so no second one runs and no batch is reported.
        Assert.Equal(1, model.Calls);
        Assert.Empty(reported);
    }

    [Fact]
    public void The_tuner_stops_before_the_next_candidate_once_cancelled()
    {
        var tuner = new Tuner(_detector.Evaluator());
        using var cancellation = new CancellationTokenSource();
        var searched = new List<int>();

        Assert.Throws<OperationCanceledException>(() => tuner.Search(Cases(2), new TuningGrid([100], [3], [0.1, 0.2, 0.3]), Options, (done, _) =>
        {
            searched.Add(done);
            cancellation.Cancel();
        }, cancellation.Token));

        Assert.Equal([1], searched);
    }

    private static InferenceOptions Options => InferenceOptions.SingleStage(100, 3, 0.2) with { MinComponentSize = 0, Seed = 1 };

    private static List<EvaluationCase> Cases(int count)
    {
        var generator = new Random(5);
        return [.. Enumerable.Range(0, count).Select(i => new EvaluationCase(
            $"case-{i}", $"s{i}.png", [.. Enumerable.Range(0, 64).Select(_ => (float)((generator.NextDouble() * 2) - 1))], [.. Enumerable.Range(0, 64).Select(p => p % 9 == 0)], null))];
    }

    /// <summary>An untrained 8-pixel UNet that cancels <c>cancellation</c> during its first forward pass and counts its passes.</summary>
    private sealed class CancellingModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly UNet _network = new(new UNetConfig { ImageSize = 8, ModelChannels = 32, ChannelMult = "1", NumResBlocks = 1, AttentionResolutions = "16", NumHeadChannels = 32 });
        private readonly CancellationTokenSource _cancellation;

        public CancellingModel(CancellationTokenSource cancellation)
            : base(nameof(CancellingModel))
        {
            _cancellation = cancellation;
            register_module("network", _network);
        }

        public int Calls { get; private set; }

        public override Tensor forward(Tensor input1, Tensor input2)
        {
            Calls++;
            _cancellation.Cancel();
            return _network.call(input1, input2);
        }

        protected override void RegisterComponents()
        {
        }
    }

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> posts later), so a test can cancel between two batches.</summary>
    private sealed class Immediate(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
