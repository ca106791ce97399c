using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Inference;

/// <summary>
/// The detector with a real network (the reference's tiny checkpoint, 32×32, on the CPU) and with inputs and faults that
/// the parity tests never send: batch splits, edge images, non-finite pixels, odd sizes, a model that fails or a caller
/// that cancels half-way.
/// </summary>
public sealed class AnomalyDetectorRobustnessTests : IDisposable
{
    private const int Size = 32;
    private readonly GaussianDiffusion _diffusion = new(BetaSchedule.Cosine);

    public void Dispose() => _diffusion.Dispose();

    /// <summary>Smooth random images in (−1, 1).</summary>
    private static Tensor SmoothImages(int count, long seed, int size = Size)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var noise = randn(count, 1, size, size, generator: generator);
        return OpenCvGaussianBlur.Apply(noise, 7).mul(3).tanh().MoveToOuterDisposeScope();
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= tolerance, $"{what}: max |difference| {worst} > {tolerance}");
    }

    [Fact]
    public void With_a_real_unet_a_slice_gets_the_same_result_alone_in_the_whole_volume_or_in_uneven_batches()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();
        var volume = SmoothImages(5, 31);
        var options = InferenceOptions.Adaptive(250, 5, 0.08) with { NoiseDraws = 2, MinComponentSize = 8 };

        var whole = detector.Detect(volume, options, cancellationToken: TestContext.Current.CancellationToken);
        var alone = Enumerable.Range(0, 5).Select(i => detector.Detect(volume.narrow(0, i, 1), options, cancellationToken: TestContext.Current.CancellationToken)).ToList();
        var (first, rest) = (detector.Detect(volume.narrow(0, 0, 2), options, cancellationToken: TestContext.Current.CancellationToken), detector.Detect(volume.narrow(0, 2, 3), options, cancellationToken: TestContext.Current.CancellationToken));

        // The slices stop at different stages, so later stages run smaller batches in the whole-volume call than alone.
        Assert.True(whole.StagesRun.Distinct().Count() > 1, string.Join(",", whole.StagesRun));
        for (int i = 0; i < 5; i++)
        {
            var (uneven, row) = i < 2 ? (first, i) : (rest, i - 2);
            foreach (var (other, otherRow, name) in new[] { (alone[i], 0, "alone"), (uneven, row, "uneven") })
            {
                Assert.Equal(whole.StagesRun[i], other.StagesRun[otherRow]);
                Assert.Equal(whole.Scores[i], other.Scores[otherRow]);
                AssertClose(whole.Reconstruction(i), other.Reconstruction(otherRow), 1e-5f, $"slice {i} {name}: reconstruction");
                AssertClose(whole.Map(i), other.Map(otherRow), 1e-5f, $"slice {i} {name}: map");
            }
        }
    }

    [Fact]
    public void With_a_real_unet_the_same_input_and_seed_give_bit_identical_results_twice()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();
        var volume = SmoothImages(3, 5);

        foreach (var options in new[]
        {
            InferenceOptions.Adaptive(250, 5, 0.08) with { Seed = 7, NoiseDraws = 2, RecordStages = true },
            InferenceOptions.Adaptive(250, 5, 0.08) with { Seed = 7, NoiseSeeding = NoiseSeeding.Batch },
            InferenceOptions.FixedStages([300, 200], 3, 0.1) with { Seed = 7 },
        })
        {
            var a = detector.Detect(volume, options, cancellationToken: TestContext.Current.CancellationToken);
            var b = detector.Detect(volume, options, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(a.Reconstructions, b.Reconstructions);
            Assert.Equal(a.Maps, b.Maps);
            Assert.Equal(a.StagesRun, b.StagesRun);
            Assert.Equal(a.Stages.Count, b.Stages.Count);
            Assert.All(a.Stages.Zip(b.Stages), s => Assert.Equal(s.First.Reconstructions, s.Second.Reconstructions));
        }
    }

    [Fact]
    public void All_zero_and_constant_slices_give_finite_results_alone_and_in_a_batch_of_one()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();
        var edges = stack([zeros(1, Size, Size), full(1, Size, Size, -1f), full(1, Size, Size, 1f), full(1, Size, Size, 0.3f)]);
        var options = InferenceOptions.Adaptive(250, 5, 0.1) with { MinComponentSize = 8 };

        var batch = detector.Detect(edges, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(batch.Reconstructions, v => Assert.InRange(v, -1f, 1f));
        Assert.All(batch.Maps, v => Assert.True(float.IsFinite(v) && v >= 0, $"map value {v}"));
        for (int i = 0; i < 4; i++)
        {
            var single = detector.Detect(edges.narrow(0, i, 1), options, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(batch.StagesRun[i], single.StagesRun[0]);
            AssertClose(batch.Reconstruction(i), single.Reconstruction(0), 1e-5f, $"edge slice {i}");
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_slice_with_a_non_finite_pixel_is_refused_by_name_before_the_network_runs(float bad)
    {
        var model = new CallbackEpsModel(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.7), _ => { });
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();
        var slices = SmoothImages(4, 3);
        slices[2, 0, 5, 7] = tensor(bad);

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var error = Assert.Throws<NonFiniteInputException>(() => detector.Detect(slices, InferenceOptions.Adaptive(250, 5, 0.1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal("slices", error.ParamName);
        Assert.Equal(new[] { 2 }, error.Slices);
        Assert.Contains("slice 2 of 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, model.Calls);
    }

    [Theory]
    [InlineData(InferenceMode.SingleStage)]
    [InlineData(InferenceMode.Adaptive)]
    public void A_network_that_answers_nan_fails_the_call_by_name_instead_of_marking_every_pixel(InferenceMode mode)
    {
        // A finite input in float32 gives NaN only from faulty weights or a faulty device; its map would mark every NaN pixel.
        var model = new PoisonedEpsModel(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.7), row: 1);
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();
        var options = mode == InferenceMode.Adaptive ? InferenceOptions.Adaptive(250, 5, 0.1) : InferenceOptions.SingleStage(250, 5, 0.1);

        var slices = SmoothImages(3, 8);
        _diffusion.QSample(slices, zeros(3, dtype: ScalarType.Int64), slices); // the diffusion's tables reach the device once, on first use

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var error = Assert.Throws<NonFiniteOutputException>(() => detector.Detect(slices, options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(new[] { 1 }, error.Slices);
        Assert.Contains("slice 1 of 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(34)]
    [InlineData(18)]
    public void A_slice_size_the_unet_cannot_halve_and_double_back_is_refused_by_name(int size)
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        var detector = new AnomalyDetector(model, _diffusion);
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => detector.Detect(SmoothImages(1, 2, size), InferenceOptions.SingleStage(250, 5, 0.1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"{size}x{size}", error.Message, StringComparison.Ordinal);
        Assert.Contains("multiple of 4", error.Message, StringComparison.Ordinal);
        // A multiple of 4 other than the trained size still runs: the network is convolutional.
        Assert.Equal(36 * 36, detector.Detect(SmoothImages(1, 2, 36), InferenceOptions.SingleStage(250, 5, 0.1), cancellationToken: TestContext.Current.CancellationToken).PixelsPerSlice);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void A_model_that_fails_half_way_leaves_no_live_tensor(int draws, bool normative)
    {
        var failAt = int.MaxValue;
        var model = new CallbackEpsModel(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6), call =>
        {
            if (call == failAt)
            {
                throw new InvalidOperationException("device fault");
            }
        });
        var detector = new AnomalyDetector(model, _diffusion);
        using var x0 = SmoothImages(3, 13);
        var scale = normative ? new NormativeThreshold([.. Enumerable.Range(0, Size * Size).Select(p => p % 3 == 0 ? 0.5f : 1.5f)], 0.5, 10, 250, 5, draws) { HeadTemplate = HeadAlignment.Template(x0), MinHeadCorrelation = 0.5 } : null;
        var options = InferenceOptions.Adaptive(250, 5, 0.12, InferenceOptions.NeverStopDelta) with { Seed = 3, RecordStages = true, NoiseDraws = draws, NormativeThreshold = scale };
        detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken); // the diffusion's tables reach the device once, on first use
        failAt = model.Calls + 3;   // the third stage of the next run

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Throws<InvalidOperationException>(() => detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken));
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, after);
        Assert.Equal(failAt, model.Calls);
    }

    [Theory]
    [InlineData(InferenceMode.Adaptive)]
    [InlineData(InferenceMode.FixedStages)]
    public void A_token_cancelled_during_a_stage_stops_before_the_next_one_and_leaves_no_live_tensor(InferenceMode mode)
    {
        using var cancellation = new CancellationTokenSource();
        var cancelAt = int.MaxValue;
        var model = new CallbackEpsModel(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6), call =>
        {
            if (call == cancelAt)
            {
                cancellation.Cancel();
            }
        });
        var detector = new AnomalyDetector(model, _diffusion);
        using var x0 = SmoothImages(2, 19);
        var options = mode == InferenceMode.Adaptive
            ? InferenceOptions.Adaptive(250, 5, 0.12, InferenceOptions.NeverStopDelta) with { RecordStages = true }
            : InferenceOptions.FixedStages([300, 250, 200, 150], 5, 0.12);
        detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken); // warm-up: the tables reach the device
        cancelAt = model.Calls + 1;   // the first stage of the next run

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var error = Assert.Throws<OperationCanceledException>(() => detector.Detect(x0, options, cancellationToken: cancellation.Token));
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.Equal(cancelAt, model.Calls);   // the stage under way finished; no later stage reached the network
        Assert.Equal(before, after);
        Assert.Throws<OperationCanceledException>(() => detector.Detect(x0, options, cancellationToken: cancellation.Token));
        Assert.Equal(cancelAt, model.Calls);   // cancelled before it starts: the network never runs
    }

    /// <summary>The wrapped model's ε with one pixel of row <c>row</c> set to NaN on the first call (the whole batch runs then).</summary>
    private sealed class PoisonedEpsModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor, Tensor> _inner;
        private readonly int _row;
        private bool _poisoned;

        public PoisonedEpsModel(nn.Module<Tensor, Tensor, Tensor> inner, int row)
            : base(nameof(PoisonedEpsModel))
        {
            _inner = inner;
            _row = row;
        }

        public override Tensor forward(Tensor input1, Tensor input2)
        {
            var eps = _inner.call(input1, input2);
            if (!_poisoned)
            {
                _poisoned = true;
                eps[_row, 0, 3, 4] = tensor(float.NaN);
            }

            return eps;
        }
    }

    /// <summary>Calls <c>beforeCall</c> with the call's number (from 1) before every forward pass of the wrapped model.</summary>
    private sealed class CallbackEpsModel : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor, Tensor> _inner;
        private readonly Action<int> _beforeCall;

        public CallbackEpsModel(nn.Module<Tensor, Tensor, Tensor> inner, Action<int> beforeCall)
            : base(nameof(CallbackEpsModel))
        {
            _inner = inner;
            _beforeCall = beforeCall;
        }

        public int Calls { get; private set; }

        public override Tensor forward(Tensor input1, Tensor input2)
        {
            _beforeCall(++Calls);
            return _inner.call(input1, input2);
        }
    }
}
