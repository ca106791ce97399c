using static TorchSharp.torch;

namespace Synomaly.Diffusion.Schedules;

/// <summary>The Gaussian helpers of the reference's <c>losses.py</c> (from guided-diffusion), element-wise in the input dtype.</summary>
public static class GaussianLikelihoods
{
    private static readonly double SqrtTwoOverPi = Math.Sqrt(2.0 / Math.PI);

    /// <summary>KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)), element-wise, in nats.</summary>
    public static Tensor NormalKl(Tensor mean1, Tensor logvar1, Tensor mean2, Tensor logvar2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(logvar1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(logvar2);
        using var scope = NewDisposeScope();
        var kl = 0.5 * (-1.0 + logvar2 - logvar1 + (logvar1 - logvar2).exp() + ((mean1 - mean2).square() * (-logvar2).exp()));
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>The tanh approximation of the standard normal CDF that the reference uses.</summary>
    public static Tensor ApproxStandardNormalCdf(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var cdf = 0.5 * (1.0 + (SqrtTwoOverPi * (x + (0.044715 * x.pow(3)))).tanh());
        return cdf.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-likelihood of data in [−1, 1] discretized to 256 bins under N(means, e^(2·logScales)), element-wise; the edge bins
    /// take the whole tail below −0.999 and above 0.999.
    /// </summary>
    public static Tensor DiscretizedGaussianLogLikelihood(Tensor x, Tensor means, Tensor logScales)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(logScales);
        using var scope = NewDisposeScope();
        var centered = x - means;
        var invStd = (-logScales).exp();
        var cdfPlus = ApproxStandardNormalCdf(invStd * (centered + (1.0 / 255.0)));
        var cdfMin = ApproxStandardNormalCdf(invStd * (centered - (1.0 / 255.0)));
        var logCdfPlus = cdfPlus.clamp_min(1e-12).log();
        var logOneMinusCdfMin = (1.0 - cdfMin).clamp_min(1e-12).log();
        var logCdfDelta = (cdfPlus - cdfMin).clamp_min(1e-12).log();
        var logProbs = where(x < -0.999, logCdfPlus, where(x > 0.999, logOneMinusCdfMin, logCdfDelta));
        return logProbs.MoveToOuterDisposeScope();
    }
}
