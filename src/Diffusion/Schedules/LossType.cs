namespace Synomaly.Diffusion.Schedules;

/// <summary>The training objectives of the reference's <c>calc_loss</c>.</summary>
public enum LossType
{
    /// <summary>Plain ε-prediction MSE (the reference's "l2").</summary>
    Mse,

    /// <summary>The authors' "vlb" loss: AnoDDPM's hybrid, MSE plus the variational bound in bits (decoder NLL at t = 0).</summary>
    Vlb,
}
