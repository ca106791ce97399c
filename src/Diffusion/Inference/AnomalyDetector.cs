using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Inference;

/// <summary>
/// Runs the reference's inference (<c>anomaly_detection.py::run_inference</c>, ALGORITHM.md 3) on a batch of slices at once,
/// on the model's device. In the adaptive mode every slice stops on its own; stopped slices keep their result and leave the
/// batch, so only the slices still running go through the network. One call leaves no tensor behind.
/// </summary>
public sealed class AnomalyDetector
{
    private readonly nn.Module<Tensor, Tensor, Tensor> _model;
    private readonly GaussianDiffusion _diffusion;

    /// <param name="model">The ε model, forward(x_t, t) with t int64 [B]; it is switched to evaluation mode.</param>
    public AnomalyDetector(nn.Module<Tensor, Tensor, Tensor> model, GaussianDiffusion diffusion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diffusion);
        _model = model;
        _diffusion = diffusion;
        _model.eval();
    }

    /// <summary>Detects anomalies in <paramref name="slices"/> [B,1,H,W], intensities in [−1, 1].</summary>
    /// <param name="stageNoise">
    /// Optional: the Gaussian noise of stage s for the whole batch, [D·B,1,H,W] with D = <see cref="InferenceOptions.NoiseDraws"/>
    /// (draw-major: rows d·B..d·B+B−1 are draw d; for parity tests). By default it is drawn as
    /// <see cref="InferenceOptions.NoiseSeeding"/> says, for the whole batch at every stage, so a slice's noise does not
    /// depend on when the other slices stop.
    /// </param>
    /// <param name="cancellationToken">
    /// Checked before every stage: once cancelled, no further stage reaches the network and
    /// <see cref="OperationCanceledException"/> is thrown (the stage under way finishes; its tensors are freed).
    /// </param>
    public DetectionResult Detect(Tensor slices, InferenceOptions options, Func<int, Tensor>? stageNoise = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(_diffusion.Timesteps);
        if (slices.dim() != 4 || slices.shape[1] != 1 || slices.shape[0] < 1)
        {
            throw new ArgumentException($"Expected slices of shape [B,1,H,W], got [{string.Join(",", slices.shape)}].", nameof(slices));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = _model.parameters().FirstOrDefault()?.device ?? slices.device;
        var x0 = slices.to(ScalarType.Float32, device);
        RequireFinite(x0);
        using var noise = stageNoise is null ? StageNoise.For(x0, options.NoiseDraws, options.NoiseSeeding, options.Seed) : null;
        Func<int, Tensor> noiseFor = stageNoise ?? (_ => noise!.Next());

        // The normative factors go to the device once per call, not once per map (one or two maps per stage).
        var thresholdFactors = AnomalyMap.ThresholdFactors(options.MapOptions, (int)x0.shape[2], (int)x0.shape[3], device);
        var run = new BatchRun(x0, options, NormativeGate(x0, options.NormativeThreshold), thresholdFactors);
        for (int stage = 0; stage < options.StageLimit && run.Active.Count > 0; stage++)
        {
            // Between stages, not only between batches: on a CPU one adaptive batch of 32 slices can take a minute.
            cancellationToken.ThrowIfCancellationRequested();
            using var stageScope = NewDisposeScope();
            int t = options.Mode == InferenceMode.FixedStages ? options.Timesteps[stage] : options.Timesteps[0];
            RunStage(run, stage, t, noiseFor(stage).to(ScalarType.Float32, device));
        }

        if (options.Mode != InferenceMode.Adaptive)
        {
            using var map = AnomalyMap.Compute(x0, run.Reconstruction, options.MapOptions, run.ScaleApplies, run.ThresholdFactors);
            run.FinalMap.copy_(map.Map);
        }

        return run.ToResult();
    }

    /// <summary>
    /// Refuses slices with a NaN or infinite pixel. The network's convolutions and GroupNorm would spread it over the whole
    /// slice, the clamp keeps NaN, and the map marks every NaN pixel (NaN is not 0): a silent all-anomalous result. One
    /// [B] flag per slice is copied to the host.
    /// </summary>
    private static void RequireFinite(Tensor slices)
    {
        using var scope = NewDisposeScope();
        bool[] finite = slices.isfinite().flatten(1).all(1).cpu().data<bool>().ToArray();
        int[] bad = [.. Enumerable.Range(0, finite.Length).Where(i => !finite[i])];
        if (bad.Length > 0)
        {
            throw new NonFiniteInputException(bad, finite.Length, nameof(slices));
        }
    }

    private void RunStage(BatchRun run, int stage, int t, Tensor noise)
    {
        var options = run.Options;
        var index = run.ActiveIndex();
        bool whole = run.Active.Count == run.Count;
        var x0 = whole ? run.X0 : run.X0.index_select(0, index);
        var current = whole ? run.Current : run.Current.index_select(0, index);
        var reconstruction = Reconstruct(current, t, SelectDraws(noise, index, whole, run.Count, options.NoiseDraws), options.NoiseDraws);
        run.Reconstruction.index_copy_(0, index, reconstruction);

        var scaleApplies = run.ScaleApplies is null || whole ? run.ScaleApplies : run.ScaleApplies.index_select(0, index);
        AnomalyMap? map = options.Mode == InferenceMode.Adaptive || options.RecordStages
            ? AnomalyMap.Compute(x0, reconstruction, options.MapOptions, scaleApplies, run.ThresholdFactors)
            : null;
        using (map)
        {
            if (options.RecordStages)
            {
                run.Record(t, reconstruction, map!.Map);
            }

            if (options.Mode != InferenceMode.Adaptive)
            {
                run.Current.index_copy_(0, index, reconstruction);
                run.Finish(stage, stopped: null);
                return;
            }

            var evaluationMap = map!;
            using var fixedMap = options.Fusion is FusionMode.Notebook or FusionMode.None ? AnomalyMap.Compute(x0, reconstruction, options.NotebookFusionMapOptions) : null;
            run.Current.index_copy_(0, index, NextInput(options.Fusion, x0, reconstruction, evaluationMap, fixedMap));
            run.FinalMap.index_copy_(0, index, evaluationMap.Map);

            // The older script counted its fixed k = 3, θ = 0.1 map for the stop rule; the fusing modes count the evaluation map.
            var stopMap = options.Fusion == FusionMode.None ? fixedMap! : evaluationMap;
            run.Finish(stage, run.ApplyStopRule(stopMap.Scores.cpu().data<long>().ToArray()));
        }
    }

    /// <summary>
    /// x_c, what the next adaptive stage noises: the reconstruction itself without fusion (the older script), otherwise the
    /// masked fusion against the original input, x_c = x̂·W + x0·(1 − W), in the reference's operation order.
    /// </summary>
    private static Tensor NextInput(FusionMode fusion, Tensor x0, Tensor reconstruction, AnomalyMap evaluationMap, AnomalyMap? fixedMap)
    {
        if (fusion == FusionMode.None)
        {
            return reconstruction;
        }

        var weight = fusion switch
        {
            FusionMode.Soft => evaluationMap.Map,
            FusionMode.Binary => evaluationMap.Mask.to_type(ScalarType.Float32),
            _ => fixedMap!.Mask.to_type(ScalarType.Float32),
        };
        return (reconstruction * weight).Plus(x0 * weight.OneMinus());
    }

    /// <summary>
    /// Which slices the normative threshold's factors apply to ([B] bool), or null for all of them (no normative threshold,
    /// or one tuned before the head gate): those whose head lines up with its head template at least as well as the floor.
    /// </summary>
    private static Tensor? NormativeGate(Tensor x0, NormativeThreshold? normative) =>
        normative is { HeadTemplate: { } template, MinHeadCorrelation: { } floor }
            ? HeadAlignment.Correlation(x0, template).NotBelow(floor)
            : null;

    /// <summary>The rows of the stage noise that belong to the active slices, draw by draw (draw-major).</summary>
    private static Tensor SelectDraws(Tensor noise, Tensor activeIndex, bool whole, int count, int draws)
    {
        if (whole)
        {
            return noise;
        }

        var rows = draws == 1 ? activeIndex : cat(Enumerable.Range(0, draws).Select(d => activeIndex.Plus((long)d * count)).ToArray());
        return noise.index_select(0, rows);
    }

    /// <summary>One-step x̂0 of the slices noised to t, averaged over the draws (all draws go through the network in one batch).</summary>
    private Tensor Reconstruct(Tensor current, int t, Tensor noise, int draws)
    {
        var repeated = draws == 1 ? current : current.repeat(draws, 1, 1, 1);
        var timesteps = HeldScalars.Filled(repeated.shape[0], t, current.device);
        var xt = _diffusion.QSample(repeated, timesteps, noise);
        var reconstruction = _diffusion.PredictX0(xt, timesteps, _model.call(xt, timesteps), clamp: true);
        return draws == 1 ? reconstruction : reconstruction.view([draws, .. current.shape]).mean([0]);
    }

    /// <summary>The state of one batch across stages: persistent tensors live in the caller's scope, the rest per stage.</summary>
    private sealed class BatchRun
    {
        /// <summary>Each slice's last map count; null before its first stage.</summary>
        private readonly long?[] _previousCounts;
        private readonly int[] _stagesRun;
        private readonly List<StageRecord> _stages = [];

        public BatchRun(Tensor x0, InferenceOptions options, Tensor? scaleApplies, Tensor? thresholdFactors)
        {
            X0 = x0;
            Options = options;
            ScaleApplies = scaleApplies;
            ThresholdFactors = thresholdFactors;
            Count = (int)x0.shape[0];
            Height = (int)x0.shape[2];
            Width = (int)x0.shape[3];
            Current = x0.clone();
            Reconstruction = zeros_like(x0);
            FinalMap = zeros_like(x0);
            _previousCounts = new long?[Count];
            _stagesRun = new int[Count];
            Active = Enumerable.Range(0, Count).ToList();
        }

        public Tensor X0 { get; }

        public InferenceOptions Options { get; }

        /// <summary>[B] bool: the slices the normative threshold's factors apply to; null, every slice.</summary>
        public Tensor? ScaleApplies { get; }

        /// <summary>[1,1,H,W]: the normative threshold's factors on the device, uploaded once for the call; null without them.</summary>
        public Tensor? ThresholdFactors { get; }

        public int Count { get; }

        public int Height { get; }

        public int Width { get; }

        /// <summary>x_c: what the next stage noises (the fused image in the adaptive mode).</summary>
        public Tensor Current { get; }

        /// <summary>The latest reconstruction of every slice.</summary>
        public Tensor Reconstruction { get; }

        public Tensor FinalMap { get; }

        /// <summary>The slices still running, in batch order.</summary>
        public List<int> Active { get; private set; }

        public Tensor ActiveIndex() => tensor(Active.Select(i => (long)i).ToArray(), device: X0.device);

        /// <summary>The stop rule for each active slice given its map's pixel count (in active order); remembers the counts.</summary>
        public bool[] ApplyStopRule(long[] counts)
        {
            var stop = new bool[Active.Count];
            for (int position = 0; position < Active.Count; position++)
            {
                int slice = Active[position];
                stop[position] = Options.ShouldStop(_previousCounts[slice], counts[position], (long)Height * Width);
                _previousCounts[slice] = counts[position];
            }

            return stop;
        }

        /// <summary>Counts the stage for every active slice and drops those that stop (all of them after the last stage).</summary>
        public void Finish(int stage, bool[]? stopped)
        {
            var stillActive = new List<int>(Active.Count);
            for (int position = 0; position < Active.Count; position++)
            {
                _stagesRun[Active[position]]++;
                if (stopped?[position] != true && stage + 1 < Options.StageLimit)
                {
                    stillActive.Add(Active[position]);
                }
            }

            Active = stillActive;
        }

        public void Record(int t, Tensor reconstruction, Tensor map)
        {
            int pixels = Height * Width;
            var ran = new bool[Count];
            var reconstructions = new float[Count * pixels];
            var maps = new float[Count * pixels];
            float[] activeReconstructions = reconstruction.cpu().data<float>().ToArray();
            float[] activeMaps = map.cpu().data<float>().ToArray();
            for (int position = 0; position < Active.Count; position++)
            {
                int slice = Active[position];
                ran[slice] = true;
                Array.Copy(activeReconstructions, position * pixels, reconstructions, slice * pixels, pixels);
                Array.Copy(activeMaps, position * pixels, maps, slice * pixels, pixels);
            }

            _stages.Add(new StageRecord(t, ran, reconstructions, maps));
        }

        public DetectionResult ToResult()
        {
            float[] maps = FinalMap.cpu().data<float>().ToArray();
            int pixels = Height * Width;
            var scores = new long[Count];
            for (int i = 0; i < maps.Length; i++)
            {
                scores[i / pixels] += maps[i] != 0 ? 1 : 0;
            }

            float[] reconstructions = Reconstruction.cpu().data<float>().ToArray();
            RequireFinite(reconstructions, pixels);
            bool[] fallback = ScaleApplies is null ? new bool[Count] : [.. ScaleApplies.cpu().data<bool>().ToArray().Select(applies => !applies)];
            return new DetectionResult(Count, Height, Width, reconstructions, maps, scores, _stagesRun, _stages) { NormativeFallback = fallback };
        }

        /// <summary>
        /// The inputs were finite, so a NaN or infinite reconstruction comes from the network (weights, precision, device).
        /// The clamp keeps NaN, and the map marks every NaN pixel (NaN is not 0): refused rather than scored as anomalous.
        /// </summary>
        private void RequireFinite(float[] reconstructions, int pixels)
        {
            var bad = new List<int>();
            for (int slice = 0; slice < Count; slice++)
            {
                foreach (float value in reconstructions.AsSpan(slice * pixels, pixels))
                {
                    if (!float.IsFinite(value))
                    {
                        bad.Add(slice);
                        break;
                    }
                }
            }

            if (bad.Count > 0)
            {
                throw new NonFiniteOutputException(bad, Count);
            }
        }
    }
}
