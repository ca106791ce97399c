namespace Synomaly.Diffusion.Inference;

/// <summary>How the adaptive process fuses a stage's reconstruction x̂ with the input x0: x_c = x̂·W + x0·(1 − W).</summary>
public enum FusionMode
{
    /// <summary>W = the continuous anomaly map A (values 0 or in [θ, 2]), as the released script does. The default.</summary>
    Soft,

    /// <summary>W = the binary mask A ≠ 0, as the paper's figure and its notebook describe.</summary>
    Binary,
}
