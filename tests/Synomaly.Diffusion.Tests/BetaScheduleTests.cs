using Synomaly.Diffusion.Schedules;

namespace Synomaly.Diffusion.Tests;

public sealed class BetaScheduleTests
{
    [Fact]
    public void Cosine_betas_match_the_reference_first_values()
    {
        var expected = ReferenceFixture.Meta().GetProperty("cosine_betas_first5").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var betas = BetaSchedules.Betas(BetaSchedule.Cosine, 1000);
        Assert.Equal(1000, betas.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], betas[i], 1e-15);
        }

        Assert.Equal(0.999, betas[^1]);
    }

    [Fact]
    public void Cosine_alphas_cumprod_match_the_reference_at_listed_timesteps()
    {
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        foreach (var entry in ReferenceFixture.Meta().GetProperty("cosine_alphas_cumprod_at").EnumerateObject())
        {
            int t = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            double expected = entry.Value.GetDouble();
            Assert.True(Math.Abs(diffusion.AlphasCumprod[t] - expected) <= 1e-12 * Math.Max(1.0, expected) + 1e-18,
                $"alphas_cumprod[{t}] = {diffusion.AlphasCumprod[t]:R}, reference {expected:R}");
        }
    }

    [Fact]
    public void Linear_betas_span_the_scaled_endpoints_evenly()
    {
        var betas = BetaSchedules.Betas(BetaSchedule.Linear, 500);
        Assert.Equal(2e-4, betas[0], 1e-18);
        Assert.Equal(0.04, betas[^1], 1e-18);
        double step = (0.04 - 2e-4) / 499;
        Assert.Equal(2e-4 + (250 * step), betas[250], 1e-15);
    }

    [Fact]
    public void Derived_tables_follow_the_posterior_formulas()
    {
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var tables = diffusion.Tables;
        Assert.Equal(1.0, tables.AlphasCumprodPrev[0]);
        Assert.Equal(tables.AlphasCumprod[249], tables.AlphasCumprodPrev[250]);
        Assert.Equal(0.0, tables.PosteriorVariance[0]);
        Assert.Equal(Math.Log(tables.PosteriorVariance[1]), tables.PosteriorLogVarianceClipped[0]);
        Assert.Equal(tables.PosteriorVariance[1], tables.ModelVariance[0]);
        Assert.Equal(tables.Betas[7], tables.ModelVariance[7]);
        // ALGORITHM.md 2.2: t = 250 gives sqrt(1/ᾱ − 1) = 0.426837.
        Assert.Equal(0.426837, tables.SqrtRecipm1AlphasCumprod[250], 1e-6);
    }

    [Fact]
    public void Schedule_names_parse_like_the_reference_arguments()
    {
        Assert.Equal(BetaSchedule.Cosine, BetaSchedules.Parse("cosine"));
        Assert.Equal(BetaSchedule.Linear, BetaSchedules.Parse(" Linear "));
        Assert.Throws<FormatException>(() => BetaSchedules.Parse("sigmoid"));
    }
}
