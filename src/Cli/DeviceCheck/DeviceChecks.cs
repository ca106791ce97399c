using System.Diagnostics;
using System.Globalization;
using Synomaly.Cli.Bench;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Training;
using Synomaly.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Cli.DeviceCheck;

/// <summary>
/// Short checks of every kind of device work the product does (seeded draws, UNet forwards with both attention kernels
/// and bf16, multi-stage detection, a training step with a checkpoint resume, tensor leaks), each run on the device and,
/// where it computes something, compared with the same work on the CPU. A check that throws fails alone; the rest still
/// run, so one call on a newly lent GPU names every problem at once instead of the first.
/// </summary>
public static class DeviceChecks
{
    private const int Size = 32;
    private const long WeightSeed = 20261205;

    /// <summary>The checks, by name: each returns what it found, or throws.</summary>
    public static IReadOnlyList<(string Name, Func<Device, string> Run)> Standard { get; } =
    [
        ("seeded draws", SeededDrawsMatchTheCpu),
        // fp32 within the reference parity (1e-4 of the largest ε). bf16 keeps about 3 significant digits per operation and
        // the random weights compound them (4 % here on the CPU): a sanity bound; bench --parity measures mask agreement.
        ("UNet forward, fp32, explicit attention", d => ForwardMatchesTheCpu(d, AttentionKernel.Explicit, ScalarType.Float32, 1e-4)),
        ("UNet forward, fp32, sdpa attention", d => ForwardMatchesTheCpu(d, AttentionKernel.ScaledDotProduct, ScalarType.Float32, 1e-4)),
        ("UNet forward, bf16", d => ForwardMatchesTheCpu(d, AttentionKernel.Explicit, ScalarType.BFloat16, 0.1)),
        ("adaptive detection, 2 noise draws", DetectionMatchesTheCpu),
        ("training step, checkpoint and resume", TrainingResumes),
        ("no tensors left after detection", DetectionLeavesNoTensors),
    ];

    /// <summary>Runs the checks in order; throws <see cref="OperationCanceledException"/> before the next check once <paramref name="cancellationToken"/> is cancelled.</summary>
    public static IReadOnlyList<DeviceCheckResult> Run(Device device, IEnumerable<(string Name, Func<Device, string> Run)> checks, Action<DeviceCheckResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var results = new List<DeviceCheckResult>();
        foreach (var (name, run) in checks)
        {
            // Outside the try below, which reports every failure as the check's own: a cancellation is no failed check.
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            DeviceCheckResult result;
            try
            {
                result = new DeviceCheckResult(name, true, run(device), watch.Elapsed.TotalSeconds);
            }
#pragma warning disable CA1031 // a device check reports any failure, native or managed, and goes on with the next
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new DeviceCheckResult(name, false, $"{e.GetType().Name}: {e.Message}", watch.Elapsed.TotalSeconds);
            }

            results.Add(result);
            onResult?.Invoke(result);
        }

        return results;
    }

    private static string SeededDrawsMatchTheCpu(Device device)
    {
        using var scope = NewDisposeScope();
        using var onDevice = SeededDraws.CpuGenerator(5);
        using var onCpu = SeededDraws.CpuGenerator(5);
        var normal = SeededDraws.Normal([2, 1, Size, Size], device, onDevice);
        var integers = SeededDraws.Integers(10, [16], device, onDevice);
        var uniform = SeededDraws.Uniform([16], device, onDevice);
        var filled = SeededDraws.FillNormal(empty([3, 1, Size, Size], device: device), onDevice);
        Require(normal.device.type == device.type, "the draw did not land on the device");
        Require(Same(normal, SeededDraws.Normal([2, 1, Size, Size], CPU, onCpu)), "normal draws differ from the CPU's");
        Require(Same(integers, SeededDraws.Integers(10, [16], CPU, onCpu)), "integer draws differ from the CPU's");
        Require(Same(uniform, SeededDraws.Uniform([16], CPU, onCpu)), "uniform draws differ from the CPU's");
        Require(Same(filled, SeededDraws.FillNormal(empty([3, 1, Size, Size], device: CPU), onCpu)), "in-place draws differ from the CPU's");
        return "normal, integer, uniform and in-place draws equal the CPU's bit for bit";
    }

    private static string ForwardMatchesTheCpu(Device device, AttentionKernel kernel, ScalarType precision, double tolerance)
    {
        using var scope = NewDisposeScope();
        using var reference = SmallModel(CPU);
        using var model = SmallModel(device);
        model.AttentionKernel = kernel;
        if (precision != ScalarType.Float32)
        {
            model.UsePrecision(precision);
        }

        var (x, t) = Inputs();
        using var inference = inference_mode();
        var expected = reference.call(x, t);
        var actual = model.call(x.to(device), t.to(device)).to_type(ScalarType.Float32).cpu();
        double error = (actual - expected).abs().max().item<float>() / Math.Max(expected.abs().max().item<float>(), 1e-12f);
        Require(double.IsFinite(error) && error <= tolerance, Invariant($"largest difference from the CPU's float32 ε is {error:G3} of its largest value, over {tolerance:G3}"));
        return Invariant($"largest difference from the CPU's float32 ε {error:G3} of its largest value (at most {tolerance:G3})");
    }

    private static string DetectionMatchesTheCpu(Device device)
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var reference = SmallModel(CPU);
        using var model = SmallModel(device);
        var options = InferenceOptions.Adaptive(150, 3, 0.1) with { NoiseDraws = 2, MinComponentSize = 4, Seed = 7 };
        var (x, _) = Inputs();
        var expected = new AnomalyDetector(reference, diffusion).Detect(x, options);
        var actual = new AnomalyDetector(model, diffusion).Detect(x.to(device), options);
        double agreement = expected.Maps.Zip(actual.Maps).Average(p => (p.First != 0) == (p.Second != 0) ? 1.0 : 0.0);
        double largest = expected.Reconstructions.Zip(actual.Reconstructions).Max(p => Math.Abs(p.First - p.Second));
        Require(largest <= 1e-3, Invariant($"reconstructions differ from the CPU's by up to {largest:G3}"));
        Require(agreement >= 0.99, Invariant($"only {agreement:P1} of the mask pixels agree with the CPU's"));
        return Invariant($"stages {string.Join(',', actual.StagesRun)} (CPU {string.Join(',', expected.StagesRun)}), reconstruction within {largest:G3}, {agreement:P1} of mask pixels agree");
    }

    private static string TrainingResumes(Device device)
    {
        // TrainingRun itself, twice in one folder: the second sitting resumes through the same code as `synomaly train`.
        string directory = Directory.CreateTempSubdirectory("synomaly-device-check-").FullName;
        try
        {
            using var scope = NewDisposeScope();
            var images = Inputs().X.repeat(2, 1, 1, 1);
            var options = new TrainingOptions { BatchSize = 4, Steps = 2, LearningRate = 1e-4, Loss = LossType.Mse, EmaDecay = 0.99, Seed = 3 };
            using (new TrainingRun(SmallConfig, options, device, directory).Train(images))
            {
            }

            var resumed = new TrainingRun(SmallConfig, options with { Steps = 3 }, device, directory);
            using (resumed.Train(images))
            {
            }

            Require(resumed.Resumed && resumed.StepsTrained == 3 && double.IsFinite(resumed.LastLoss), Invariant($"the second sitting resumed: {resumed.Resumed}, reached step {resumed.StepsTrained}, loss {resumed.LastLoss}"));
            return Invariant($"two steps, a checkpoint, a resume and step 3 (mean loss {resumed.LastLoss:F4})");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string DetectionLeavesNoTensors(Device device)
    {
        // A scope like every other check's: Inputs() makes the CPU pair (and its intermediates) that only the copy on
        // the device is wanted from. The live count below still sees a tensor that Detect leaves, scope or not.
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var model = SmallModel(device);
        var detector = new AnomalyDetector(model, diffusion);
        var x = Inputs().X.to(device);
        var options = InferenceOptions.Adaptive(150, 3, 0.1) with { NoiseDraws = 2 };
        detector.Detect(x, options); // the diffusion's tables reach the device on first use
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        detector.Detect(x, options);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Require(before == after, Invariant($"{after - before} tensors were left alive"));
        return "none";
    }

    /// <summary>A 32-px UNet with four attention heads at 16x16.</summary>
    private static UNetConfig SmallConfig => new() { ImageSize = Size, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "2", NumHeadChannels = 16 };

    /// <summary>The small UNet with the same seeded weights on every device.</summary>
    private static UNet SmallModel(Device device)
    {
        var model = new UNet(SmallConfig);
        SeededWeights.Fill(model, WeightSeed);
        model.eval();
        return device.type == DeviceType.CPU ? model : (UNet)model.to(device);
    }

    /// <summary>Two smooth images in [−1, 1] with a bright square in one, and two timesteps, on the CPU. Internal for its test.</summary>
    internal static (Tensor X, Tensor T) Inputs()
    {
        // The CPU by name: the references are the CPU's whatever the process's default device.
        var grid = linspace(-1, 1, Size, device: CPU);
        var smooth = (grid.view(1, 1, Size, 1) * grid.view(1, 1, 1, Size)).repeat(2, 1, 1, 1) * 0.8;
        // fill_, not "= 1f": TorchSharp would wrap the number in a tensor on the default device.
        smooth[0, 0, TensorIndex.Slice(8, 14), TensorIndex.Slice(8, 14)].fill_(1f);
        return (smooth, tensor(new long[] { 100, 400 }, device: CPU));
    }

    private static bool Same(Tensor onDevice, Tensor onCpu) => onDevice.cpu().eq(onCpu).all().item<bool>();

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException(failure);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
