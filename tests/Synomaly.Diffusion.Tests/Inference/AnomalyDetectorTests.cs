using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Inference;

public sealed class AnomalyDetectorTests : IDisposable
{
    private const int Size = 32;
    private readonly GaussianDiffusion _diffusion = new(BetaSchedule.Cosine);

    public void Dispose() => _diffusion.Dispose();

    /// <summary>Smooth random images in (−1, 1).</summary>
    private static Tensor SmoothImages(int count, long seed)
    {
        using var scope = NewDisposeScope();
        var noise = randn(count, 1, Size, Size, generator: new TorchSharp.torch.Generator((ulong)seed));
        return OpenCvGaussianBlur.Apply(noise, 7).mul(3).tanh().MoveToOuterDisposeScope();
    }

    /// <summary>[H,W] float mask with ones on rows/columns [from, from + side).</summary>
    private static Tensor Square(int from, int side)
    {
        var square = zeros(Size, Size);
        square[TensorIndex.Slice(from, from + side), TensorIndex.Slice(from, from + side)] = 1f;
        return square;
    }

    [Fact]
    public void Single_stage_reconstruction_is_the_clamped_x0_prediction_and_its_map()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5);
        var x0 = SmoothImages(3, 1);
        var noise = randn(3, 1, Size, Size, generator: new TorchSharp.torch.Generator(2));
        var options = InferenceOptions.SingleStage(250, 5, 0.2);

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, _ => noise, cancellationToken: TestContext.Current.CancellationToken);

        var t = full(3, 250L, dtype: ScalarType.Int64);
        var xt = _diffusion.QSample(x0, t, noise);
        var expected = _diffusion.PredictX0(xt, t, model.call(xt, t)).clamp(-1, 1);
        using var map = AnomalyMap.Compute(x0, expected, options.MapOptions);
        Assert.Equal(expected.data<float>().ToArray(), result.Reconstructions);
        Assert.Equal(map.Map.data<float>().ToArray(), result.Maps);
        Assert.Equal(map.Scores.data<long>().ToArray(), result.Scores);
        Assert.Equal([1, 1, 1], result.StagesRun);
        Assert.Equal([3L, 3L], model.BatchSizes);
        Assert.True(result.Scores.Sum() > 0, "halving the images should leave anomalous pixels");
    }

    [Fact]
    public void Fixed_stages_renoise_the_previous_prediction_without_fusion()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5);
        var x0 = SmoothImages(2, 3);
        var options = InferenceOptions.FixedStages([300, 200, 100], 3, 0.1) with { RecordStages = true };

        // With zero noise every stage halves its input: x̂ = 0.125·x0 after three stages, whatever the map says.
        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, _ => zeros_like(x0), cancellationToken: TestContext.Current.CancellationToken);

        float[] expected = x0.mul(0.125).data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], result.Reconstructions[i], 1e-5f);
        }

        Assert.Equal([3, 3], result.StagesRun);
        Assert.Equal([2L, 2L, 2L], model.BatchSizes);
        Assert.Equal([300, 200, 100], result.Stages.Select(s => s.Timestep));
        Assert.Equal(result.Stages[2].Maps, result.Maps);
    }

    [Fact]
    public void Adaptive_mode_stops_each_slice_by_the_count_rule_and_only_running_slices_reach_the_model()
    {
        using var scope = NewDisposeScope();
        // ε = 0, so x̂ = clamp(x_c + sqrt(1/ᾱ − 1)·noise): a noise of 10 on a square paints it white.
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 1.0);
        var x0 = zeros(4, 1, Size, Size);
        x0[3] = full(1, Size, Size, 0.8f);
        var noise = zeros([5, 4, 1, Size, Size]);
        for (int stage = 0; stage < 5; stage++)
        {
            noise[stage, 0, 0] = Square(4, 6 + (4 * stage)) * 10;         // grows every stage: never settles
            noise[stage, 1, 0] = Square(8, 10) * 10;                      // the same every stage: settles at stage 2
            noise[stage, 2, 0] = Square(8, stage == 0 ? 8 : 12) * 10;     // grows once: settles at stage 3
            noise[stage, 3, 0] = full(Size, Size, -10f);                   // the whole slice differs: count = H·W at once
        }

        var options = InferenceOptions.Adaptive(250, 3, 0.1) with { RecordStages = true };
        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([5, 2, 3, 1], result.StagesRun);
        Assert.Equal([4L, 3L, 2L, 1L, 1L], model.BatchSizes);
        Assert.Equal(Size * Size, result.Scores[3]);
        for (int slice = 0; slice < 4; slice++)
        {
            int last = result.StagesRun[slice] - 1;
            int pixels = Size * Size;
            Assert.Equal(result.Stages[last].Maps.AsSpan(slice * pixels, pixels).ToArray(), result.Map(slice).ToArray());
            Assert.All(result.Stages.Skip(last + 1), s => Assert.False(s.Ran[slice]));
            Assert.All(result.Stages.Skip(last + 1), s => Assert.All(s.Maps.AsSpan(slice * pixels, pixels).ToArray(), v => Assert.Equal(0f, v)));
        }
    }

    /// <summary>[H,W] float mask with ones on rows [top, top + height) and columns [left, left + width).</summary>
    private static Tensor Rectangle(int top, int left, int height, int width)
    {
        var rectangle = zeros(Size, Size);
        rectangle[TensorIndex.Slice(top, top + height), TensorIndex.Slice(left, left + width)] = 1f;
        return rectangle;
    }

    [Fact]
    public void The_paper_stop_rule_judges_from_stage_two_on_the_relative_change_without_the_floor()
    {
        using var scope = NewDisposeScope();
        // ε = 0, so a noise of 10 paints a rectangle white; with k = 3, θ = 0.1 an s×r rectangle's map has (s+2)(r+2) − 4 pixels.
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 1.0);
        var x0 = zeros(4, 1, Size, Size);
        x0[0] = full(1, Size, Size, 0.8f);
        var noise = zeros([5, 4, 1, Size, Size]);
        for (int stage = 0; stage < 5; stage++)
        {
            noise[stage, 0, 0] = full(Size, Size, -10f);                                          // every pixel, every stage
            noise[stage, 1, 0] = Rectangle(8, 8, 5, stage == 0 ? 5 : 6) * 10;                      // 45, then 52 pixels
            noise[stage, 3, 0] = stage == 0 ? zeros(Size, Size) : Rectangle(8, 8, 5, 5) * 10;      // 0, then 45 pixels
        }                                                                                          // slice 2: empty maps

        var released = InferenceOptions.Adaptive(250, 3, 0.1, stopDelta: 0.05) with { RecordStages = true };
        var paper = released with { StopRule = StopRule.Paper };
        var detector = new AnomalyDetector(model, _diffusion);
        var byReleased = detector.Detect(x0, released, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);
        var byPaper = detector.Detect(x0, paper, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        long Count(DetectionResult result, int stage, int slice) => result.Stages[stage].Maps.AsSpan(slice * Size * Size, Size * Size).ToArray().Count(v => v != 0);
        Assert.Equal([Size * Size, 45, 0, 0], Enumerable.Range(0, 4).Select(slice => (int)Count(byPaper, 0, slice)));
        Assert.Equal([Size * Size, 52, 0, 45], Enumerable.Range(0, 4).Select(slice => (int)Count(byPaper, 1, slice)));

        // Released: the all-ones start stops slice 0 at stage 1; 7 of max(45, 500) ≤ 0.05 stops slice 1 at stage 2; slice 2
        // changes by every pixel at stage 1 and by 0 / 500 at stage 2; slice 3 by 45 / 500 at stage 2, by 0 at stage 3.
        Assert.Equal([1, 2, 2, 3], byReleased.StagesRun);

        // Paper: nobody stops at stage 1; slice 1's 7 / 45 continues where the floor stopped it; two empty maps stop
        // (Σm_{n−1} = 0 and Σm_n = 0: no change); pixels after an empty map (45 / 0) continue.
        Assert.Equal([2, 3, 2, 3], byPaper.StagesRun);
    }

    [Fact]
    public void At_64_pixels_the_area_scaled_floor_lets_a_small_map_s_change_count_where_the_reference_floor_stops_it()
    {
        using var scope = NewDisposeScope();
        const int Side = 64;
        // ε = 0, so a noise of 10 paints a rectangle white; with k = 3, θ = 0.1 an s×r rectangle's map has (s+2)(r+2) − 4
        // pixels: 3×38 gives 196, then 3×39 gives 201 (the rectangle grows, so the fused image adds nothing outside it).
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 1.0);
        var x0 = zeros(1, 1, Side, Side);
        var noise = zeros([5, 1, 1, Side, Side]);
        for (int stage = 0; stage < 5; stage++)
        {
            noise[stage, 0, 0, TensorIndex.Slice(10, 13), TensorIndex.Slice(10, stage == 0 ? 48 : 49)] = full(3, stage == 0 ? 38 : 39, 10f);
        }

        var reference = InferenceOptions.Adaptive(250, 3, 0.1) with { RecordStages = true };
        var scaled = reference with { StopFloor = StopFloor.AreaScaled };
        var detector = new AnomalyDetector(model, _diffusion);
        var byReference = detector.Detect(x0, reference, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);
        var byScaled = detector.Detect(x0, scaled, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([196, 201], byScaled.Stages.Take(2).Select(s => s.Maps.Count(v => v != 0)));
        // Stage 2: 5 / max(196, 500) = 0.01 ≤ δ stops under the reference floor; 5 / max(196, 125) = 0.026 continues under
        // the scaled one, which stops at stage 3 (no change).
        Assert.Equal([2], byReference.StagesRun);
        Assert.Equal([3], byScaled.StagesRun);
    }

    [Fact]
    public void A_large_stop_threshold_stops_after_one_stage_and_the_stage_cap_bounds_the_rest()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.7);
        var x0 = SmoothImages(2, 5);
        var detector = new AnomalyDetector(model, _diffusion);

        // run_inference's own default δ = 100 makes the adaptive loop a single stage.
        var once = detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.15, stopDelta: 100) with { Seed = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        var capped = detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.15, stopDelta: 0) with { Seed = 1, MaxStages = 3 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 1], once.StagesRun);
        Assert.All(capped.StagesRun, n => Assert.InRange(n, 2, 3));
        Assert.Equal([2L], model.BatchSizes.Take(1));
        var runningPerStage = Enumerable.Range(0, capped.StagesRun.Max()).Select(s => (long)capped.StagesRun.Count(n => n > s));
        Assert.Equal(runningPerStage, model.BatchSizes.Skip(1));
    }

    [Fact]
    public void A_negative_stop_threshold_runs_every_slice_to_the_stage_cap()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.7);
        var x0 = SmoothImages(3, 5);
        var detector = new AnomalyDetector(model, _diffusion);

        // δ = 100 stops every slice after one stage; a negative δ never stops one.
        var natural = detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.15, stopDelta: 100) with { Seed = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        model.BatchSizes.Clear();
        var worst = detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.15, stopDelta: InferenceOptions.NeverStopDelta) with { Seed = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([1, 1, 1], natural.StagesRun);
        Assert.Equal([5, 5, 5], worst.StagesRun);
        Assert.Equal([3L, 3L, 3L, 3L, 3L], model.BatchSizes);
        var error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.15, stopDelta: double.NaN), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("StopDelta", error.ParamName);
    }

    [Fact]
    public void Batch_seeded_stage_noise_is_the_generator_s_randn_draw_at_every_stage()
    {
        using var scope = NewDisposeScope();
        var detector = new AnomalyDetector(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.8), _diffusion);
        var x0 = SmoothImages(2, 17);
        var options = InferenceOptions.Adaptive(250, 5, 0.2, stopDelta: InferenceOptions.NeverStopDelta) with { Seed = 42, MaxStages = 3, NoiseSeeding = NoiseSeeding.Batch };

        // The detector refills one buffer in place; that must give exactly the draws of a fresh randn per stage.
        var generator = SeededDraws.CpuGenerator(42);
        var draws = Enumerable.Range(0, 3).Select(_ => SeededDraws.Normal(x0.shape, CPU, generator)).ToList();
        var seeded = detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken);
        var supplied = detector.Detect(x0, options, stage => draws[stage], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(supplied.Reconstructions, seeded.Reconstructions);
        Assert.Equal(supplied.Maps, seeded.Maps);
    }

    [Fact]
    public void Per_slice_stage_noise_is_each_slice_s_own_generator_draw_seeded_from_its_pixels()
    {
        using var scope = NewDisposeScope();
        var detector = new AnomalyDetector(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.8), _diffusion);
        const int Count = 3, Draws = 2, Stages = 3;
        var x0 = SmoothImages(Count, 17);
        var options = InferenceOptions.Adaptive(250, 5, 0.2, stopDelta: InferenceOptions.NeverStopDelta) with { Seed = 42, MaxStages = Stages, NoiseDraws = Draws };

        // Slice i's generator: seeded with SliceSeeds.Of(its pixels, 42); each stage takes its D draws as one [D,1,H,W] randn.
        var generators = Enumerable.Range(0, Count).Select(i => SeededDraws.CpuGenerator(SliceSeeds.Of(x0[i].data<float>().ToArray(), 42))).ToList();
        var stageNoise = Enumerable.Range(0, Stages).Select(_ =>
        {
            var perSlice = generators.Select(g => SeededDraws.Normal([Draws, 1, Size, Size], CPU, g)).ToList();
            return stack(perSlice, dim: 1).reshape(Draws * Count, 1, Size, Size);   // draw-major
        }).ToList();
        var seeded = detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken);
        var supplied = detector.Detect(x0, options, stage => stageNoise[stage], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(supplied.Reconstructions, seeded.Reconstructions);
        Assert.Equal(supplied.Maps, seeded.Maps);
    }

    [Theory]
    [InlineData(InferenceMode.Adaptive, 2)]
    [InlineData(InferenceMode.SingleStage, 1)]
    public void A_slice_s_result_does_not_depend_on_its_batch_its_row_or_the_run(InferenceMode mode, int draws)
    {
        using var scope = NewDisposeScope();
        var detector = new AnomalyDetector(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.7), _diffusion);
        var x0 = SmoothImages(4, 23);
        // Bit for bit because the scaling ε model works element by element: a real UNet's sums differ in the last bits with
        // the batch size (the worker's engine test allows 1e-5), so only the noise is batch-independent there.
        var options = (mode == InferenceMode.Adaptive ? InferenceOptions.Adaptive(250, 5, 0.15) : InferenceOptions.SingleStage(250, 5, 0.15)) with { NoiseDraws = draws };

        var alone = detector.Detect(x0.narrow(0, 2, 1), options, cancellationToken: TestContext.Current.CancellationToken);
        var inBatch = detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken);
        var reordered = detector.Detect(x0.index_select(0, tensor(new long[] { 2, 3, 0 })), options, cancellationToken: TestContext.Current.CancellationToken);
        var again = detector.Detect(x0.narrow(0, 2, 1), options, cancellationToken: TestContext.Current.CancellationToken);   // no seed given: per-slice seeding is still reproducible

        Assert.Equal(alone.Reconstruction(0).ToArray(), inBatch.Reconstruction(2).ToArray());
        Assert.Equal(alone.Map(0).ToArray(), inBatch.Map(2).ToArray());
        Assert.Equal(alone.StagesRun[0], inBatch.StagesRun[2]);
        Assert.Equal(alone.Map(0).ToArray(), reordered.Map(0).ToArray());
        Assert.Equal(alone.Map(0).ToArray(), again.Map(0).ToArray());
        Assert.NotEqual(alone.Reconstruction(0).ToArray(), detector.Detect(x0.narrow(0, 2, 1), options with { Seed = 1 }, cancellationToken: TestContext.Current.CancellationToken).Reconstruction(0).ToArray());
        // Batch seeding, by contrast, gives the slice other noise at another row.
        var batchSeeded = options with { NoiseSeeding = NoiseSeeding.Batch, Seed = 5 };
        Assert.NotEqual(detector.Detect(x0.narrow(0, 2, 1), batchSeeded, cancellationToken: TestContext.Current.CancellationToken).Reconstruction(0).ToArray(), detector.Detect(x0, batchSeeded, cancellationToken: TestContext.Current.CancellationToken).Reconstruction(2).ToArray());
    }

    [Theory]
    [InlineData(FusionMode.Soft)]
    [InlineData(FusionMode.Binary)]
    public void The_next_stage_renoises_the_fusion_of_reconstruction_and_input(FusionMode fusion)
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5);
        var x0 = SmoothImages(2, 7);
        var options = InferenceOptions.Adaptive(250, 3, 0.1, stopDelta: 0) with { MaxStages = 2, Fusion = fusion, RecordStages = true };

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, _ => zeros_like(x0), cancellationToken: TestContext.Current.CancellationToken);

        // With zero noise, stage 2 halves x_c = x̂1·W + x0·(1 − W), W = A1 (soft) or A1 ≠ 0 (binary).
        float[] input = x0.data<float>().ToArray();
        var first = result.Stages[0];
        var second = result.Stages[1];
        for (int i = 0; i < input.Length; i++)
        {
            float weight = fusion == FusionMode.Soft ? first.Maps[i] : (first.Maps[i] != 0 ? 1f : 0f);
            float fused = (first.Reconstructions[i] * weight) + (input[i] * (1 - weight));
            Assert.Equal(0.5f * fused, second.Reconstructions[i], 1e-5f);
        }

        Assert.Contains(first.Maps, v => v > 0 && v != 1);
    }

    [Fact]
    public void Notebook_fusion_weights_with_the_binary_mask_of_a_fixed_k3_theta_0_1_map_while_maps_use_the_evaluation_k_and_theta()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5);
        var x0 = SmoothImages(2, 7);
        var options = InferenceOptions.Adaptive(250, 7, 0.3, stopDelta: 0) with { MaxStages = 2, Fusion = FusionMode.Notebook, RecordStages = true };

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, _ => zeros_like(x0), cancellationToken: TestContext.Current.CancellationToken);

        // With zero noise, stage 2 halves x_c = x̂1·W + x0·(1 − W), W = (map of x0 and x̂1 with k 3, θ 0.1) ≠ 0.
        var first = result.Stages[0];
        var second = result.Stages[1];
        var firstReconstruction = tensor(first.Reconstructions, x0.shape);
        using var notebookMap = AnomalyMap.Compute(x0, firstReconstruction, new AnomalyMapOptions(3, 0.1, options.MinComponentSize));
        using var evaluationMap = AnomalyMap.Compute(x0, firstReconstruction, options.MapOptions);
        float[] input = x0.data<float>().ToArray();
        float[] weights = notebookMap.Mask.to_type(ScalarType.Float32).data<float>().ToArray();
        for (int i = 0; i < input.Length; i++)
        {
            float fused = (first.Reconstructions[i] * weights[i]) + (input[i] * (1 - weights[i]));
            Assert.Equal(0.5f * fused, second.Reconstructions[i], 1e-5f);
        }

        Assert.Equal(evaluationMap.Map.data<float>().ToArray(), first.Maps); // the reported map keeps the evaluation k and θ
        Assert.True(weights.Sum() > evaluationMap.Mask.sum().item<long>(), "the notebook's fusion mask should cover more than the evaluation mask here");
        Assert.Contains("Notebook fusion (binary k=3, θ=0.1 map)", options.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_fusion_renoises_the_reconstruction_itself_and_reports_the_evaluation_map()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5);
        var x0 = SmoothImages(2, 7);
        var options = InferenceOptions.Adaptive(250, 3, 0.1, stopDelta: InferenceOptions.NeverStopDelta) with { MaxStages = 3, Fusion = FusionMode.None, RecordStages = true };

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, _ => zeros_like(x0), cancellationToken: TestContext.Current.CancellationToken);

        // With zero noise every stage halves x_c = x̂ of the stage before: x̂1 = x0/2, x̂2 = x0/4, x̂3 = x0/8, as the fixed list does.
        float[] input = x0.data<float>().ToArray();
        for (int stage = 0; stage < 3; stage++)
        {
            float factor = 1f / (2 << stage);
            Assert.All(Enumerable.Range(0, input.Length), i => Assert.Equal(factor * input[i], result.Stages[stage].Reconstructions[i], 1e-5f));
        }

        // Soft fusion would have re-noised x̂1·A1 + x0·(1 − A1), which is not x̂1 wherever the map is not 1.
        Assert.Contains(result.Stages[0].Maps, v => v > 0 && v != 1);
        using var finalMap = AnomalyMap.Compute(x0, tensor(result.Reconstructions, x0.shape), options.MapOptions);
        Assert.Equal(finalMap.Map.data<float>().ToArray(), result.Maps);
        Assert.Equal(result.Stages[2].Maps, result.Maps);
        Assert.Contains("no fusion (stop counts of a binary k=3, θ=0.1 map)", options.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void No_fusion_stops_on_the_counts_of_a_fixed_k3_theta_0_1_map_not_on_the_evaluation_map()
    {
        using var scope = NewDisposeScope();
        // ε = 0, so x̂ = x_c + sqrt(1/ᾱ − 1)·noise: the noise below paints 0.2 on a 6×6 square at stage 1 and on a 6×1
        // column beside it at stage 2. 0.2 stays under the evaluation θ = 0.3 (empty maps) but over the fixed map's 0.1.
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 1.0);
        float paint = 0.2f / (float)Math.Sqrt((1 / _diffusion.AlphasCumprod[250]) - 1);
        var x0 = zeros(1, 1, Size, Size);
        var noise = zeros([5, 1, 1, Size, Size]);
        noise[0, 0, 0] = Rectangle(10, 10, 6, 6) * paint;
        noise[1, 0, 0] = Rectangle(10, 16, 6, 1) * paint;
        var none = InferenceOptions.Adaptive(250, 3, 0.3) with { Fusion = FusionMode.None, RecordStages = true };
        var detector = new AnomalyDetector(model, _diffusion);

        var withoutFusion = detector.Detect(x0, none, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);
        var soft = detector.Detect(x0, none with { Fusion = FusionMode.Soft }, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        // x_c = x̂ keeps the square: the fixed map counts 36, 42, 42 (6/max(36, 500) = 0.012 > δ at stage 2, 0 at stage 3).
        var fixedCounts = withoutFusion.Stages.Select(s =>
        {
            using var map = AnomalyMap.Compute(x0, tensor(s.Reconstructions, x0.shape), none.NotebookFusionMapOptions);
            return map.Scores.item<long>();
        });
        Assert.Equal([36L, 42L, 42L], fixedCounts);
        Assert.All(withoutFusion.Stages, s => Assert.All(s.Maps, v => Assert.Equal(0f, v)));
        Assert.Equal([3], withoutFusion.StagesRun);

        // Counted on the empty evaluation maps, the rule stops at stage 2 (0/500), as soft fusion does.
        Assert.Equal([2], soft.StagesRun);
    }

    [Fact]
    public void Batched_adaptive_run_equals_the_reference_loop_run_one_slice_at_a_time()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6);
        const int Count = 5;
        var x0 = SmoothImages(Count, 9);
        var noise = randn([5, Count, 1, Size, Size], generator: new TorchSharp.torch.Generator(10));
        var options = InferenceOptions.Adaptive(300, 5, 0.12, stopDelta: 0.02);

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < Count; i++)
        {
            var (stages, reconstruction, map) = ReferenceAdaptiveLoop(model, x0[i].unsqueeze(0), s => noise[s, i].unsqueeze(0), options);
            Assert.Equal(stages, result.StagesRun[i]);
            AssertClose(reconstruction, result.Reconstruction(i).ToArray());
            AssertClose(map, result.Map(i).ToArray());
        }

        Assert.True(result.StagesRun.Distinct().Count() > 1, $"slices should stop at different stages: {string.Join(",", result.StagesRun)}");
    }

    [Fact]
    public void Noise_draws_average_each_draw_s_reconstruction_and_go_through_the_model_in_one_batch()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.9);
        const int Count = 2, Draws = 3;
        var x0 = SmoothImages(Count, 21);
        var noise = randn(Draws * Count, 1, Size, Size, generator: new TorchSharp.torch.Generator(22));
        var options = InferenceOptions.SingleStage(400, 5, 0.1) with { NoiseDraws = Draws };

        var detector = new AnomalyDetector(model, _diffusion);
        var averaged = detector.Detect(x0, options, _ => noise, cancellationToken: TestContext.Current.CancellationToken);
        var perDraw = Enumerable.Range(0, Draws)
            .Select(d => detector.Detect(x0, options with { NoiseDraws = 1 }, _ => noise.narrow(0, d * Count, Count), cancellationToken: TestContext.Current.CancellationToken).Reconstructions)
            .ToList();

        float[] expected = [.. Enumerable.Range(0, perDraw[0].Length).Select(i => perDraw.Average(r => r[i]))];
        AssertClose(expected, averaged.Reconstructions);
        Assert.Equal([(long)Draws * Count, Count, Count, Count], model.BatchSizes);
        Assert.Contains(perDraw[0].Zip(perDraw[1]), pair => Math.Abs(pair.First - pair.Second) > 0.1f);
    }

    [Fact]
    public void Batched_adaptive_run_with_several_draws_takes_each_slice_s_own_draws_after_others_stop()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6);
        const int Count = 5, Draws = 2;
        var x0 = SmoothImages(Count, 9);
        var noise = randn([5, Draws * Count, 1, Size, Size], generator: new TorchSharp.torch.Generator(10));
        var options = InferenceOptions.Adaptive(300, 5, 0.12, stopDelta: 0.02) with { NoiseDraws = Draws };

        var result = new AnomalyDetector(model, _diffusion).Detect(x0, options, stage => noise[stage], cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < Count; i++)
        {
            // Draw-major rows: draw d of slice i is row d·Count + i.
            var rows = tensor(Enumerable.Range(0, Draws).Select(d => (long)((d * Count) + i)).ToArray());
            var (stages, reconstruction, map) = ReferenceAdaptiveLoop(model, x0[i].unsqueeze(0), s => noise[s].index_select(0, rows), options);
            Assert.Equal(stages, result.StagesRun[i]);
            AssertClose(reconstruction, result.Reconstruction(i).ToArray());
            AssertClose(map, result.Map(i).ToArray());
        }

        Assert.True(result.StagesRun.Distinct().Count() > 1, $"slices should stop at different stages: {string.Join(",", result.StagesRun)}");
    }

    /// <summary>
    /// ALGORITHM.md 3.3, one image, transcribed literally: the oracle for the batched implementation. <paramref name="noise"/>
    /// gives stage s's noise as [D,1,H,W], one row per draw.
    /// </summary>
    private (int Stages, float[] Reconstruction, float[] Map) ReferenceAdaptiveLoop(
        nn.Module<Tensor, Tensor, Tensor> model, Tensor x0, Func<int, Tensor> noise, InferenceOptions options)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = full(1, (long)options.Timesteps[0], dtype: ScalarType.Int64);
        var current = x0;
        long previous = Size * Size;
        double diff = 255 * 255;
        int it = 0;
        Tensor reconstruction = x0, map = x0;
        while (diff > options.StopDelta)
        {
            // Each draw of the stage on its own, then the mean of the clamped predictions (one draw: the reference).
            var stageNoise = noise(it);
            var predictions = Enumerable.Range(0, (int)stageNoise.shape[0]).Select(d =>
            {
                var xt = _diffusion.QSample(current, t, stageNoise[d].unsqueeze(0));
                return _diffusion.PredictX0(xt, t, model.call(xt, t)).clamp(-1, 1);
            }).ToArray();
            reconstruction = stack(predictions).mean([0]);
            map = AnomalyMap.Compute(x0, reconstruction, options.MapOptions).Map;
            current = (reconstruction * map) + (x0 * (1 - map));
            long count = map.count_nonzero().item<long>();
            diff = Math.Abs(previous - count) / (double)Math.Max(previous, 500);
            previous = count;
            it++;
            if (it >= options.MaxStages)
            {
                break;
            }
        }

        return (it, reconstruction.data<float>().ToArray(), map.data<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void The_same_seed_reproduces_a_run_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        var detector = new AnomalyDetector(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.8), _diffusion);
        var x0 = SmoothImages(2, 11);
        var options = InferenceOptions.Adaptive(250, 5, 0.2);

        var a = detector.Detect(x0, options with { Seed = 42 }, cancellationToken: TestContext.Current.CancellationToken);
        var b = detector.Detect(x0, options with { Seed = 42 }, cancellationToken: TestContext.Current.CancellationToken);
        var c = detector.Detect(x0, options with { Seed = 43 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(a.Reconstructions, b.Reconstructions);
        Assert.Equal(a.Maps, b.Maps);
        Assert.NotEqual(a.Reconstructions, c.Reconstructions);
    }

    [Fact]
    public void Slices_whose_head_does_not_line_up_with_the_normative_template_keep_the_single_threshold_and_are_flagged()
    {
        using var scope = NewDisposeScope();
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6);
        var detector = new AnomalyDetector(model, _diffusion);
        // Smooth texture inside a disc on a −1 background: slices 0 and 1 have their head where the template has it,
        // slice 2 has it moved to the right.
        var texture = SmoothImages(3, 17).mul(0.5).add(0.2);
        var x0 = where(stack([Disc(12), Disc(13), Disc(22)]).unsqueeze(1), texture, full_like(texture, -1f));
        float[] template = HeadAlignment.Template(x0.narrow(0, 0, 1));
        var scale = Enumerable.Range(0, Size * Size).Select(p => p % 3 == 0 ? 0.5f : 1.5f).ToArray();
        var plain = InferenceOptions.Adaptive(250, 5, 0.12) with { Seed = 3 };
        var factors = new NormativeThreshold(scale, 0.5, 10, 250, 5, 1);
        var gated = factors with { HeadTemplate = template, MinHeadCorrelation = 0.9 };

        var reference = detector.Detect(x0, plain, cancellationToken: TestContext.Current.CancellationToken);
        var everywhere = detector.Detect(x0, plain with { NormativeThreshold = factors }, cancellationToken: TestContext.Current.CancellationToken);
        var result = detector.Detect(x0, plain with { NormativeThreshold = gated }, cancellationToken: TestContext.Current.CancellationToken);

        float[] correlation = HeadAlignment.Correlation(x0, template).data<float>().ToArray();
        Assert.True(correlation[1] >= 0.9 && correlation[2] < 0.9, string.Join(", ", correlation));
        Assert.Equal([false, false, false], reference.NormativeFallback);
        Assert.Equal([false, false, false], everywhere.NormativeFallback);   // a card without a head template: factors everywhere
        Assert.Equal([false, false, true], result.NormativeFallback);
        Assert.Equal(everywhere.Map(1).ToArray(), result.Map(1).ToArray());
        Assert.Equal(reference.Map(2).ToArray(), result.Map(2).ToArray());
        Assert.NotEqual(everywhere.Map(2).ToArray(), result.Map(2).ToArray());
    }

    /// <summary>[H,W] bool: a disc of radius 9 centred at column <paramref name="centreX"/>, row 16.</summary>
    private static Tensor Disc(int centreX)
    {
        var y = arange(Size).view(-1, 1);
        var x = arange(Size).view(1, -1);
        return (x - centreX).square().add((y - 16).square()).lt(81);
    }

    [Theory]
    [InlineData(1, FusionMode.Soft, false)]
    [InlineData(4, FusionMode.Soft, false)]
    [InlineData(1, FusionMode.Binary, false)]
    [InlineData(1, FusionMode.Notebook, false)]
    [InlineData(1, FusionMode.None, false)]
    [InlineData(2, FusionMode.Soft, true)]
    [InlineData(2, FusionMode.Soft, true, true)]
    [InlineData(2, FusionMode.Soft, false, false, NoiseSeeding.Batch)]
    public void One_inference_leaves_no_live_tensors(int noiseDraws, FusionMode fusion, bool normative, bool gated = false, NoiseSeeding seeding = NoiseSeeding.PerSlice)
    {
        var model = new ScalingEpsModel(_diffusion.AlphasCumprod, 0.6);
        var detector = new AnomalyDetector(model, _diffusion);
        using var x0 = SmoothImages(3, 13);
        var scale = normative ? new NormativeThreshold([.. Enumerable.Range(0, Size * Size).Select(p => p % 3 == 0 ? 0.5f : 1.5f)], 0.5, 10, 250, 5, noiseDraws) : null;
        if (gated)
        {
            scale = scale! with { HeadTemplate = HeadAlignment.Template(x0), MinHeadCorrelation = 0.5 };
        }

        var options = InferenceOptions.Adaptive(250, 5, 0.12) with { Seed = 3, RecordStages = true, NoiseDraws = noiseDraws, Fusion = fusion, NormativeThreshold = scale, NoiseSeeding = seeding };
        detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken); // the diffusion uploads its tables to the device once, on first use

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var result = detector.Detect(x0, options, cancellationToken: TestContext.Current.CancellationToken);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(before, after);
        Assert.True(result.StagesRun.Sum() > 3);
    }

    [Fact]
    public void Bad_input_and_options_are_rejected_with_typed_errors()
    {
        using var scope = NewDisposeScope();
        var detector = new AnomalyDetector(new ScalingEpsModel(_diffusion.AlphasCumprod, 0.5), _diffusion);
        var x0 = zeros(1, 1, 16, 16);

        Assert.Throws<ArgumentException>(() => detector.Detect(zeros(1, 2, 16, 16), InferenceOptions.SingleStage(10, 3, 0.1), cancellationToken: TestContext.Current.CancellationToken));
        var error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.SingleStage(1000, 3, 0.1), cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("Timesteps", error.ParamName);
        error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 3, 0.1) with { Timesteps = [250, 100] }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("Timesteps", error.ParamName);
        error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 3, 0.1) with { MaxStages = 0 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("MaxStages", error.ParamName);
        foreach (int draws in new[] { 0, InferenceOptions.MaxNoiseDraws + 1 })
        {
            error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 3, 0.1) with { NoiseDraws = draws }, cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal("NoiseDraws", error.ParamName);
        }

        error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 3, 0.1) with { NoiseSeeding = (NoiseSeeding)7 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("NoiseSeeding", error.ParamName);

        // Factors measured at another k (or t, or draws) would threshold this setting with the wrong pattern.
        var measuredAtK5 = new NormativeThreshold([.. Enumerable.Repeat(1f, 16 * 16)], 0.5, 10, 250, 5, 1);
        error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, InferenceOptions.Adaptive(250, 3, 0.1) with { NormativeThreshold = measuredAtK5 }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("NormativeThreshold", error.ParamName);
        Assert.Contains("k=5", error.Message, StringComparison.Ordinal);
        detector.Detect(x0, InferenceOptions.Adaptive(250, 5, 0.1) with { NormativeThreshold = measuredAtK5 }, cancellationToken: TestContext.Current.CancellationToken); // the matching setting runs

        // A head template comes with its floor, holds one share per factor, and the floor is a correlation.
        var adaptive = InferenceOptions.Adaptive(250, 5, 0.1);
        float[] template = new float[16 * 16];
        foreach (var (bad, name) in new (NormativeThreshold Bad, string Name)[]
        {
            (measuredAtK5 with { HeadTemplate = template }, "HeadTemplate"),
            (measuredAtK5 with { MinHeadCorrelation = 0.8 }, "HeadTemplate"),
            (measuredAtK5 with { HeadTemplate = new float[15], MinHeadCorrelation = 0.8 }, "HeadTemplate"),
            (measuredAtK5 with { HeadTemplate = [.. template.Select((_, i) => i == 3 ? float.NaN : 0f)], MinHeadCorrelation = 0.8 }, "HeadTemplate"),
            (measuredAtK5 with { HeadTemplate = [.. template.Select((_, i) => i == 3 ? 1.5f : 0f)], MinHeadCorrelation = 0.8 }, "HeadTemplate"),
            (measuredAtK5 with { HeadTemplate = template, MinHeadCorrelation = 1.5 }, "MinHeadCorrelation"),
            (measuredAtK5 with { HeadTemplate = template, MinHeadCorrelation = double.NaN }, "MinHeadCorrelation"),
        })
        {
            error = Assert.Throws<InvalidOptionException>(() => detector.Detect(x0, adaptive with { NormativeThreshold = bad }, cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(name, error.ParamName);
        }
    }
}
