namespace Synomaly.Diffusion.Schedules;

/// <summary>
/// The float64 arrays the reference derives from β (ALGORITHM.md section 2.2), computed in the same order of operations as
/// its NumPy code so that the tables agree to the last bits.
/// </summary>
public sealed class DiffusionTables
{
    public DiffusionTables(double[] betas)
    {
        ArgumentNullException.ThrowIfNull(betas);
        int n = betas.Length;
        Betas = (double[])betas.Clone();
        Alphas = new double[n];
        AlphasCumprod = new double[n];
        AlphasCumprodPrev = new double[n];
        SqrtAlphasCumprod = new double[n];
        SqrtOneMinusAlphasCumprod = new double[n];
        SqrtRecipAlphasCumprod = new double[n];
        SqrtRecipm1AlphasCumprod = new double[n];
        PosteriorVariance = new double[n];
        PosteriorLogVarianceClipped = new double[n];
        PosteriorMeanCoef1 = new double[n];
        PosteriorMeanCoef2 = new double[n];
        ModelVariance = new double[n];
        ModelLogVariance = new double[n];

        double product = 1.0;
        for (int i = 0; i < n; i++)
        {
            Alphas[i] = 1.0 - Betas[i];
            AlphasCumprodPrev[i] = product;
            product *= Alphas[i];
            AlphasCumprod[i] = product;
        }

        for (int i = 0; i < n; i++)
        {
            double abar = AlphasCumprod[i], abarPrev = AlphasCumprodPrev[i];
            SqrtAlphasCumprod[i] = Math.Sqrt(abar);
            SqrtOneMinusAlphasCumprod[i] = Math.Sqrt(1.0 - abar);
            SqrtRecipAlphasCumprod[i] = Math.Sqrt(1.0 / abar);
            SqrtRecipm1AlphasCumprod[i] = Math.Sqrt((1.0 / abar) - 1.0);
            PosteriorVariance[i] = Betas[i] * (1.0 - abarPrev) / (1.0 - abar);
            PosteriorMeanCoef1[i] = Betas[i] * Math.Sqrt(abarPrev) / (1.0 - abar);
            PosteriorMeanCoef2[i] = (1.0 - abarPrev) * Math.Sqrt(Alphas[i]) / (1.0 - abar);
        }

        // σ̃²_0 = 0, so the reference replaces entry 0 by σ̃²_1 before the log ("clipped"); the fixed-large model variance
        // does the same with β: [σ̃²_1, β_1, …, β_{T−1}].
        for (int i = 0; i < n; i++)
        {
            PosteriorLogVarianceClipped[i] = Math.Log(i == 0 ? PosteriorVariance[1] : PosteriorVariance[i]);
            ModelVariance[i] = i == 0 ? PosteriorVariance[1] : Betas[i];
            ModelLogVariance[i] = Math.Log(ModelVariance[i]);
        }
    }

    public int Timesteps => Betas.Length;

    public double[] Betas { get; }

    public double[] Alphas { get; }

    public double[] AlphasCumprod { get; }

    /// <summary>[1, ᾱ_0, …, ᾱ_{T−2}].</summary>
    public double[] AlphasCumprodPrev { get; }

    public double[] SqrtAlphasCumprod { get; }

    public double[] SqrtOneMinusAlphasCumprod { get; }

    public double[] SqrtRecipAlphasCumprod { get; }

    public double[] SqrtRecipm1AlphasCumprod { get; }

    /// <summary>σ̃²_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t).</summary>
    public double[] PosteriorVariance { get; }

    public double[] PosteriorLogVarianceClipped { get; }

    public double[] PosteriorMeanCoef1 { get; }

    public double[] PosteriorMeanCoef2 { get; }

    /// <summary>The fixed-large variance of the model, [σ̃²_1, β_1, …, β_{T−1}], built inside the reference's <c>p_mean_variance</c>.</summary>
    public double[] ModelVariance { get; }

    public double[] ModelLogVariance { get; }
}
