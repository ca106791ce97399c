using System.Globalization;
using System.Runtime.InteropServices;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// Runs the measurements of <see cref="BenchOptions"/>: for every variant (precision × attention × layout) a fresh copy of
/// the model, checked with one forward pass (a precision the device cannot run is skipped and said so), then at every
/// batch size: UNet forwards, single-stage, 5-stage worst-case and natural adaptive inference end to end through
/// <see cref="AnomalyDetector"/>; then the optional parity checks against the float32 path.
/// </summary>
public sealed class BenchRunner(BenchOptions options)
{
    /// <summary>Measurements per row: forward, single stage, adaptive worst case, adaptive natural.</summary>
    private const int MeasurementsPerRow = 4;

    /// <summary>Measures everything the options ask for; throws <see cref="OperationCanceledException"/> between measurements once <paramref name="cancellationToken"/> is cancelled.</summary>
    public BenchReport Run(Action<BenchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        int threadsBefore = get_num_threads();
        try
        {
            if (options.Threads is int threads)
            {
                set_num_threads(threads);
            }

            return RunWithThreads(progress, cancellationToken);
        }
        finally
        {
            // The thread count is process-wide: leave it as it was for whatever runs next in this process.
            set_num_threads(threadsBefore);
        }
    }

    private BenchReport RunWithThreads(Action<BenchProgress>? progress, CancellationToken cancellationToken)
    {
        var device = TorchDevice.Resolve(options.Device);
        using var nvml = device.type == DeviceType.CUDA ? NvmlDevice.TryOpen(Math.Max(device.index, 0)) : null;
        string deviceName = device.type == DeviceType.CUDA ? nvml?.Name ?? "CUDA device (name unavailable: NVML not found)" : BenchEnvironment.ReadCpuModel();
        var environment = BenchEnvironment.Capture(device, deviceName);
        var model = options.Config == BenchModelKind.Demo ? BenchModel.Package(options.ModelDirectory!) : BenchModel.Random(options.Config, options.Seed);
        using var inputs = options.Slices is null
            ? BenchInputs.Synthetic(Math.Max(16, options.BatchSizes.Max()), model.ImageSize, options.Seed)
            : BenchInputs.FromFiles(options.Slices, model.ImageSize);
        using var diffusion = new GaussianDiffusion(model.Schedule, model.Timesteps);
        var variants = options.Variants();
        int speedSteps = options.ParityOnly ? 0 : variants.Count * options.BatchSizes.Count * MeasurementsPerRow;
        var tracker = new StepTracker(progress, speedSteps + (options.Parity ? ParitySteps(variants.Count) : 0), cancellationToken);
        var notes = new List<string>();
        var rows = new List<BenchRow>();
        IReadOnlyList<BenchVariant> measured = options.ParityOnly ? [] : variants;
        foreach (var variant in measured)
        {
            rows.AddRange(MeasureVariant(model, variant, inputs, diffusion, device, nvml, tracker, notes));
        }

        var parity = options.Parity ? RunParity(model, variants, inputs, diffusion, device, tracker) : [];
        notes.AddRange(StandingNotes(device, nvml, environment));
        return new BenchReport
        {
            Environment = environment with { LoadAverageAtEnd = BenchEnvironment.LoadAverage() },
            Model = model.Description,
            Parameters = model.ParameterCount(),
            ImageSize = model.ImageSize,
            Profile = model.Profile.Describe(),
            Inputs = inputs.Description,
            Budget = options.Iterations is int iterations
                ? $"warm-up {options.Warmup} call(s), then {iterations} timed call(s) per measurement"
                : string.Create(CultureInfo.InvariantCulture, $"warm-up {options.Warmup} call(s), then calls for at least {options.Seconds} s per measurement"),
            Rows = rows,
            Parity = parity,
            Notes = notes,
        };
    }

    private List<BenchRow> MeasureVariant(BenchModel model, BenchVariant variant, BenchInputs inputs, GaussianDiffusion diffusion, Device device, NvmlDevice? nvml, StepTracker tracker, List<string> notes)
    {
        var rows = new List<BenchRow>();
        tracker.Begin($"{variant.Label}: loading");
        var (unet, failure) = TryCreate(model, variant, inputs, device);
        if (unet is null)
        {
            notes.Add($"{variant.Label} skipped on {device}: {failure}");
            foreach (int batch in options.BatchSizes)
            {
                rows.Add(Row(variant, batch, $"skipped: {failure}"));
                tracker.Complete(MeasurementsPerRow);
            }

            return rows;
        }

        using (unet)
        {
            var detector = new AnomalyDetector(unet, diffusion);
            foreach (int batch in options.BatchSizes)
            {
                tracker.StartRow();
                try
                {
                    rows.Add(MeasureRow(model, variant, unet, detector, inputs, batch, device, tracker) with { GpuMemoryMebibytes = nvml?.UsedMebibytes() });
                }
                catch (ExternalException e)
                {
                    // Out of memory at a large batch, for example: the other rows are still worth having.
                    rows.Add(Row(variant, batch, $"failed: {FirstLine(e.Message)}") with { GpuMemoryMebibytes = nvml?.UsedMebibytes() });
                    tracker.FinishRow(MeasurementsPerRow);
                }
            }
        }

        return rows;
    }

    private BenchRow MeasureRow(BenchModel model, BenchVariant variant, UNet unet, AnomalyDetector detector, BenchInputs inputs, int batch, Device device, StepTracker tracker)
    {
        using var scope = NewDisposeScope();
        var budget = MeasureBudget.From(options);
        var profile = model.Profile;
        var x = inputs.Batch(batch, device);
        var t = full(batch, profile.Timesteps[0], dtype: ScalarType.Int64, device: device);
        string label = $"{variant.Label}, batch {batch}";

        tracker.Begin($"{label}: UNet forward");
        Measurement forward;
        using (inference_mode())
        {
            forward = ThroughputMeter.Run(device, budget, _ =>
            {
                using var call = NewDisposeScope();
                unet.call(x, t);
                return batch;
            }, callsFinishOnHost: false, tracker.CancellationToken);
        }

        tracker.Complete();
        tracker.Begin($"{label}: single stage");
        var single = profile.AsSingleStage();
        var singleStage = ThroughputMeter.Run(device, budget, i => detector.Detect(x, single with { Seed = options.Seed + i }).Count, cancellationToken: tracker.CancellationToken);

        tracker.Complete();
        tracker.Begin($"{label}: 5 stages (worst case)");
        var worst = profile with { StopDelta = InferenceOptions.NeverStopDelta, MaxStages = InferenceOptions.DefaultMaxStages };
        var worstCase = ThroughputMeter.Run(device, budget, i => detector.Detect(x, worst with { Seed = options.Seed + i }).Count, cancellationToken: tracker.CancellationToken);

        tracker.Complete();
        tracker.Begin($"{label}: adaptive (natural stop)");
        long stages = 0, slices = 0;
        var natural = ThroughputMeter.Run(device, budget, i =>
        {
            var result = detector.Detect(x, profile with { Seed = options.Seed + i });
            if (i >= 0)
            {
                stages += result.StagesRun.Sum();
                slices += result.Count;
            }

            return result.Count;
        }, cancellationToken: tracker.CancellationToken);
        tracker.Complete();

        bool compareToReference = options.Config == BenchModelKind.Full && device.type == DeviceType.CUDA;
        return Row(variant, batch, "ok") with
        {
            Forward = forward,
            SingleStage = singleStage,
            AdaptiveWorstCase = worstCase,
            AdaptiveNatural = natural,
            AdaptiveNaturalMeanStages = slices == 0 ? null : stages / (double)slices,
            Reference = compareToReference ? ReferenceFigures.Compare(forward, singleStage, worstCase) : null,
        };
    }

    private List<ParityRow> RunParity(BenchModel model, IReadOnlyList<BenchVariant> variants, BenchInputs inputs, GaussianDiffusion diffusion, Device device, StepTracker tracker)
    {
        int batch = options.BatchSizes.Max();
        var check = new ParityCheck(model, diffusion, device, batch, options.Seed + 7);
        using var random = BenchInputs.Synthetic(Math.Clamp(batch, 8, 64), model.ImageSize, options.Seed + 1);
        var sets = new List<(BenchInputs Inputs, int Count, string Label)> { (random, random.Count, "synthetic") };
        if (options.Slices is not null)
        {
            sets.Add((inputs, Math.Min(inputs.Count, 256), "real slices"));
        }

        tracker.Begin("parity: float32 reference");
        var references = new List<ParityOutputs>();
        using (var reference = model.Create(device, BenchVariant.Reference))
        {
            references.AddRange(sets.Select(set => check.Run(reference, set.Inputs, set.Count, tracker.CancellationToken)));
        }

        tracker.Complete();
        var rows = new List<ParityRow>();
        foreach (var variant in variants)
        {
            tracker.Begin($"parity: {variant.Label}");
            var (unet, failure) = TryCreate(model, variant, inputs, device);
            using (unet)
            {
                for (int s = 0; s < sets.Count; s++)
                {
                    rows.Add(unet is null
                        ? new ParityRow { Candidate = variant.Label, Inputs = sets[s].Label, Slices = sets[s].Count, Status = $"skipped: {failure}" }
                        : ParityCheck.Compare(variant.Label, sets[s].Label, references[s], check.Run(unet, sets[s].Inputs, sets[s].Count, tracker.CancellationToken)));
                }
            }

            tracker.Complete();
        }

        return rows;
    }

    private static int ParitySteps(int variants) => variants + 1;

    /// <summary>A fresh model in the variant, proved by one forward pass; or why the device cannot run it.</summary>
    private static (UNet? Model, string? Failure) TryCreate(BenchModel model, BenchVariant variant, BenchInputs inputs, Device device)
    {
        UNet? unet = null;
        try
        {
            unet = model.Create(device, variant);
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            var x = inputs.Batch(1, device);
            var eps = unet.call(x, full(1, model.Profile.Timesteps[0], dtype: ScalarType.Int64, device: device));
            if (!eps.isfinite().all().item<bool>())
            {
                throw new InvalidOperationException($"{variant.PrecisionName} gives non-finite outputs on this model");
            }

            return (unet, null);
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            unet?.Dispose();
            return (null, $"{variant.PrecisionName} / {variant.AttentionName} / {variant.LayoutName} cannot run here: {FirstLine(e.Message)}");
        }
    }

    private static BenchRow Row(BenchVariant variant, int batch, string status) => new()
    {
        Precision = variant.PrecisionName,
        Attention = variant.AttentionName,
        Layout = variant.LayoutName,
        BatchSize = batch,
        Status = status,
    };

    private IEnumerable<string> StandingNotes(Device device, NvmlDevice? nvml, BenchEnvironment environment)
    {
        if (options.Smoke)
        {
            yield return "Smoke run: a tiny model and one call per measurement. It checks that the bench works; its numbers mean nothing.";
        }

        yield return device.type != DeviceType.CUDA
            ? "GPU memory: n/a (CPU run)."
            : nvml is null
                ? "GPU memory: n/a. NVML (libnvidia-ml.so.1) could not be loaded, and TorchSharp 0.107 exposes no torch.cuda memory statistics."
                : "GPU memory: NVML device memory in use after each row: the CUDA context plus libtorch's caching allocator, which never shrinks within the process, so it is the high-water mark of reserved memory up to that row (rows run in table order), not the row's own peak allocation.";
        if (device.type == DeviceType.CPU)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"CPU run on {environment.LogicalCores} logical cores with {environment.TorchThreads} torch threads; 1-minute load average {environment.LoadAverageAtStart?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a"} at the start (other processes share the cores).");
        }

        if (options.ParityOnly)
        {
            yield break;
        }

        yield return "Rates: UNet fwd/s counts images through the network (forward only); slices/s counts slices through AnomalyDetector.Detect end to end (noise, UNet, x̂0, blur, threshold, component filter, fusion, stop rule, results copied to the host). The 5-stage column forces every slice through 5 stages (negative δ); the adaptive column uses the profile's stop rule. Each cell is the total rate (items / wall time); the number in brackets, where present, is the rate at the median call time, which load spikes from other processes affect less.";
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>Counts finished measurements for the progress callback, and stops the run at the next step once it is cancelled.</summary>
    private sealed class StepTracker(Action<BenchProgress>? progress, int total, CancellationToken cancellationToken)
    {
        private int _done;
        private int _rowStart;
        private string _step = "";

        public CancellationToken CancellationToken => cancellationToken;

        public void StartRow() => _rowStart = _done;

        /// <summary>Reports the step now starting; throws <see cref="OperationCanceledException"/> instead once the run is cancelled.</summary>
        public void Begin(string step)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _step = step;
            progress?.Invoke(new BenchProgress(step, _done, total));
        }

        /// <summary>Counts <paramref name="steps"/> steps as done.</summary>
        public void Complete(int steps = 1)
        {
            _done += steps;
            progress?.Invoke(new BenchProgress(_step, _done, total));
        }

        /// <summary>Completes a row that ended early, so the total still adds up.</summary>
        public void FinishRow(int stepsPerRow) => Complete(Math.Max(0, _rowStart + stepsPerRow - _done));
    }
}
