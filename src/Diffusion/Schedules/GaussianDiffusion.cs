using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Schedules;

/// <summary>
/// The diffusion maths of the reference (<c>gaussian_diffusion.py</c>, ALGORITHM.md sections 2.1 to 2.4): float64 tables,
/// gathered per sample and cast to float32 as the reference's <c>extract</c> does, then applied in float32.
/// <para>
/// The tables are copied to each device once and kept (outside every dispose scope) until <see cref="Dispose"/>; every other
/// tensor an operation makes is either its result or disposed before it returns.
/// </para>
/// </summary>
public sealed class GaussianDiffusion : IDisposable
{
    private static readonly double Ln2 = Math.Log(2.0);
    private readonly Dictionary<string, DeviceTables> _onDevice = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;

    public GaussianDiffusion(BetaSchedule schedule, int timesteps = 1000)
    {
        Schedule = schedule;
        Tables = new DiffusionTables(BetaSchedules.Betas(schedule, timesteps));
    }

    public BetaSchedule Schedule { get; }

    /// <summary>Every float64 array of section 2.2.</summary>
    public DiffusionTables Tables { get; }

    public int Timesteps => Tables.Timesteps;

    public double[] Betas => Tables.Betas;

    public double[] AlphasCumprod => Tables.AlphasCumprod;

    /// <summary><c>x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·noise</c>; <paramref name="t"/> holds one int64 index per sample.</summary>
    public Tensor QSample(Tensor x0, Tensor t, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        var tables = For(x0.device);
        var result = (Extract(tables.SqrtAlphasCumprod, t, x0) * x0).Plus(Extract(tables.SqrtOneMinusAlphasCumprod, t, x0) * noise);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary><c>x̂0 = sqrt(1/ᾱ_t)·x_t − sqrt(1/ᾱ_t − 1)·ε̂</c>, clamped to [−1, 1] as the reference's <c>p_mean_variance</c> does.</summary>
    public Tensor PredictX0(Tensor xt, Tensor t, Tensor eps, bool clamp = true)
    {
        ArgumentNullException.ThrowIfNull(xt);
        ArgumentNullException.ThrowIfNull(eps);
        using var scope = NewDisposeScope();
        var tables = For(xt.device);
        var x0 = (Extract(tables.SqrtRecipAlphasCumprod, t, xt) * xt) - (Extract(tables.SqrtRecipm1AlphasCumprod, t, xt) * eps);
        if (clamp)
        {
            x0 = x0.ClampedTo(-1.0, 1.0);
        }

        return x0.MoveToOuterDisposeScope();
    }

    /// <summary>The posterior mean <c>μ̃(x0, x_t) = coef1_t·x0 + coef2_t·x_t</c>.</summary>
    public Tensor PosteriorMean(Tensor x0, Tensor xt, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(xt);
        using var scope = NewDisposeScope();
        var tables = For(xt.device);
        var mean = (Extract(tables.PosteriorMeanCoef1, t, xt) * x0).Plus(Extract(tables.PosteriorMeanCoef2, t, xt) * xt);
        return mean.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The batch-mean training loss of <c>calc_loss</c> for a given noise (for Synomaly training: the Synomaly noise, anomaly
    /// offsets included, which is also the MSE target). <see cref="LossType.Vlb"/> adds the variational bound in bits per pixel.
    /// </summary>
    public Tensor TrainingLoss(nn.Module<Tensor, Tensor, Tensor> model, Tensor x0, Tensor t, Tensor noise, LossType type)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var perSample = TrainingLossPerSample(model, x0, t, noise, type);
        return perSample.mean().MoveToOuterDisposeScope();
    }

    /// <summary>The loss of every sample, [B], before the batch mean.</summary>
    public Tensor TrainingLossPerSample(nn.Module<Tensor, Tensor, Tensor> model, Tensor x0, Tensor t, Tensor noise, LossType type)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var xt = QSample(x0, t, noise);
        var eps = model.call(xt, t);
        var loss = MeanFlat((eps - noise).square());
        if (type == LossType.Vlb)
        {
            loss = VariationalBound(x0, xt, t, eps) + loss;
        }
        else if (type != LossType.Mse)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown loss type.");
        }

        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>calc_vlb_xt</c> per sample, in bits: the KL between the true posterior and the model's fixed-large Gaussian for
    /// t &gt; 0, and the discretized Gaussian decoder NLL at t = 0. Gradients reach <paramref name="eps"/> through the clamp.
    /// </summary>
    public Tensor VariationalBound(Tensor x0, Tensor xt, Tensor t, Tensor eps)
    {
        ArgumentNullException.ThrowIfNull(xt);
        using var scope = NewDisposeScope();
        var tables = For(xt.device);
        var trueMean = PosteriorMean(x0, xt, t);
        var trueLogVar = Extract(tables.PosteriorLogVarianceClipped, t, xt);
        var modelMean = PosteriorMean(PredictX0(xt, t, eps), xt, t);
        var modelLogVar = Extract(tables.ModelLogVariance, t, xt);

        var kl = MeanFlat(GaussianLikelihoods.NormalKl(trueMean, trueLogVar, modelMean, modelLogVar)) / Ln2;
        var decoderNll = -MeanFlat(GaussianLikelihoods.DiscretizedGaussianLogLikelihood(x0, modelMean, 0.5 * modelLogVar)) / Ln2;
        var atZero = AsIndex(t, xt.device).eq(0);
        return torch.where(atZero, decoderNll, kl).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var tables in _onDevice.Values)
            {
                tables.Dispose();
            }

            _onDevice.Clear();
        }
    }

    private static Tensor MeanFlat(Tensor x) => x.flatten(1).mean([1]);

    /// <summary>The reference's <c>extract</c>: gather the float64 table at t, cast to float32, shape [B, 1, …] like <paramref name="like"/>.</summary>
    private static Tensor Extract(Tensor table, Tensor t, Tensor like)
    {
        var index = AsIndex(t, like.device);
        if (index.dim() != 1 || index.shape[0] != like.shape[0])
        {
            throw new ArgumentException($"t must hold one timestep per sample: shape [{like.shape[0]}], got [{string.Join(", ", index.shape)}].", nameof(t));
        }

        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = like.shape[0];
        return table.index_select(0, index).to_type(ScalarType.Float32).view(shape);
    }

    private static Tensor AsIndex(Tensor t, Device device)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.to(ScalarType.Int64, device);
    }

    private DeviceTables For(Device device)
    {
        string key = device.ToString();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_onDevice.TryGetValue(key, out var tables))
            {
                tables = new DeviceTables(Tables, device);
                _onDevice[key] = tables;
            }

            return tables;
        }
    }

    /// <summary>The float64 tables the operations gather from, resident on one device.</summary>
    private sealed class DeviceTables : IDisposable
    {
        public DeviceTables(DiffusionTables tables, Device device)
        {
            SqrtAlphasCumprod = Upload(tables.SqrtAlphasCumprod, device);
            SqrtOneMinusAlphasCumprod = Upload(tables.SqrtOneMinusAlphasCumprod, device);
            SqrtRecipAlphasCumprod = Upload(tables.SqrtRecipAlphasCumprod, device);
            SqrtRecipm1AlphasCumprod = Upload(tables.SqrtRecipm1AlphasCumprod, device);
            PosteriorMeanCoef1 = Upload(tables.PosteriorMeanCoef1, device);
            PosteriorMeanCoef2 = Upload(tables.PosteriorMeanCoef2, device);
            PosteriorLogVarianceClipped = Upload(tables.PosteriorLogVarianceClipped, device);
            ModelLogVariance = Upload(tables.ModelLogVariance, device);
        }

        public Tensor SqrtAlphasCumprod { get; }

        public Tensor SqrtOneMinusAlphasCumprod { get; }

        public Tensor SqrtRecipAlphasCumprod { get; }

        public Tensor SqrtRecipm1AlphasCumprod { get; }

        public Tensor PosteriorMeanCoef1 { get; }

        public Tensor PosteriorMeanCoef2 { get; }

        public Tensor PosteriorLogVarianceClipped { get; }

        public Tensor ModelLogVariance { get; }

        public void Dispose()
        {
            SqrtAlphasCumprod.Dispose();
            SqrtOneMinusAlphasCumprod.Dispose();
            SqrtRecipAlphasCumprod.Dispose();
            SqrtRecipm1AlphasCumprod.Dispose();
            PosteriorMeanCoef1.Dispose();
            PosteriorMeanCoef2.Dispose();
            PosteriorLogVarianceClipped.Dispose();
            ModelLogVariance.Dispose();
        }

        // Kept for the lifetime of the diffusion object, so it must not belong to the caller's dispose scope. Made on the
        // device named, never on libtorch's default one.
        private static Tensor Upload(double[] values, Device device) =>
            torch.tensor(values, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
    }
}
