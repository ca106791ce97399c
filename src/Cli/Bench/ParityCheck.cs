using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// Compares a model variant with the float32 reference path on identical inputs: the same slices, the same weights, the
/// same x_t for the ε comparison (noise drawn on the CPU from a fixed seed) and the same seeded inference noise for the
/// detector (drawn in float32 on the device, independent of the UNet's precision).
/// </summary>
public sealed class ParityCheck(BenchModel model, GaussianDiffusion diffusion, Device device, int batchSize, long seed)
{
    /// <summary>Runs <paramref name="unet"/> on the first <paramref name="count"/> slices of <paramref name="inputs"/>, in batches.</summary>
    public ParityOutputs Run(UNet unet, BenchInputs inputs, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(inputs);
        var detector = new AnomalyDetector(unet, diffusion);
        var profile = model.Profile;
        var single = profile.AsSingleStage();
        List<float> eps = [], singleMaps = [], adaptiveMaps = [];
        List<int> stages = [];
        for (int start = 0; start < count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, count - start);
            using var scope = NewDisposeScope();
            var x = inputs.Batch(n, device, start);
            var t = full(n, profile.Timesteps[0], dtype: ScalarType.Int64, device: device);
            using var generator = new Generator((ulong)(seed + start));
            var noise = randn(x.shape, dtype: ScalarType.Float32, device: CPU, generator: generator).to(device);
            using (inference_mode())
            {
                eps.AddRange(unet.call(diffusion.QSample(x, t, noise), t).cpu().data<float>().ToArray());
            }

            singleMaps.AddRange(detector.Detect(x, single with { Seed = seed + start }, cancellationToken: cancellationToken).Maps);
            var adaptive = detector.Detect(x, profile with { Seed = seed + start }, cancellationToken: cancellationToken);
            adaptiveMaps.AddRange(adaptive.Maps);
            stages.AddRange(adaptive.StagesRun);
        }

        return new ParityOutputs([.. eps], [.. singleMaps], [.. adaptiveMaps], [.. stages]);
    }

    /// <summary>The parity row of <paramref name="candidate"/> against <paramref name="reference"/> (outputs of the same inputs).</summary>
    public static ParityRow Compare(string candidateLabel, string inputsLabel, ParityOutputs reference, ParityOutputs candidate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        if (reference.Eps.Length != candidate.Eps.Length || reference.AdaptiveMaps.Length != candidate.AdaptiveMaps.Length)
        {
            throw new ArgumentException("The outputs come from different inputs.", nameof(candidate));
        }

        double maxError = 0, scale = 0;
        for (int i = 0; i < reference.Eps.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs((double)reference.Eps[i] - candidate.Eps[i]));
            scale = Math.Max(scale, Math.Abs((double)reference.Eps[i]));
            if (float.IsNaN(candidate.Eps[i]))
            {
                maxError = double.NaN;
                break;
            }
        }

        var (adaptiveAgreement, adaptiveIou) = MaskAgreement(reference.AdaptiveMaps, candidate.AdaptiveMaps);
        int sameStages = reference.StagesRun.Zip(candidate.StagesRun).Count(p => p.First == p.Second);
        return new ParityRow
        {
            Candidate = candidateLabel,
            Inputs = inputsLabel,
            Slices = reference.StagesRun.Length,
            Status = "ok",
            UnetMaxAbsError = maxError,
            UnetOutputScale = scale,
            SingleStageMaskAgreementPercent = MaskAgreement(reference.SingleStageMaps, candidate.SingleStageMaps).Percent,
            AdaptiveMaskAgreementPercent = adaptiveAgreement,
            AdaptiveMaskIou = adaptiveIou,
            SameStageCountPercent = 100.0 * sameStages / Math.Max(1, reference.StagesRun.Length),
        };
    }

    /// <summary>The share of pixels whose mask membership (map ≠ 0) agrees, in percent, and the IoU of the anomalous pixels (1 when both masks are empty).</summary>
    public static (double Percent, double Iou) MaskAgreement(float[] reference, float[] candidate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        long agree = 0, both = 0, either = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            bool a = reference[i] != 0, b = candidate[i] != 0;
            agree += a == b ? 1 : 0;
            both += a && b ? 1 : 0;
            either += a || b ? 1 : 0;
        }

        return (reference.Length == 0 ? 100 : 100.0 * agree / reference.Length, either == 0 ? 1 : both / (double)either);
    }
}
