namespace Synomaly.Diffusion.Inference;

/// <summary>
/// How the adaptive process makes the next stage's input x_c from a stage's reconstruction x̂ and the input x0: fused,
/// x_c = x̂·W + x0·(1 − W), or (<see cref="None"/>) not at all. ALGORITHM.md 3.3 and 6.3 give the four readings.
/// </summary>
public enum FusionMode
{
    /// <summary>W = the continuous anomaly map A (values 0 or in [θ, 2]), as the released script does. The default.</summary>
    Soft,

    /// <summary>W = the binary mask A ≠ 0 of the evaluation map (its k and θ), as the paper's figure draws it.</summary>
    Binary,

    /// <summary>
    /// W = the binary mask of a separate map with a fixed k = 3, θ = 0.1 (<see cref="InferenceOptions.NotebookFusionKernel"/>,
    /// <see cref="InferenceOptions.NotebookFusionThreshold"/>), whatever the evaluation k and θ: the authors' figure notebook
    /// (ALGORITHM.md 3.3 and 6.3). The evaluation map and the stop rule still use the evaluation k and θ.
    /// </summary>
    Notebook,

    /// <summary>
    /// No fusion: x_c = x̂, each stage re-noises the previous reconstruction, and the stop rule counts the binary mask of the
    /// same fixed k = 3, θ = 0.1 map as <see cref="Notebook"/> (the authors' older script, ALGORITHM.md 3.3 and 6.3). The
    /// reported map still compares x0 with the last x̂ at the evaluation k and θ.
    /// </summary>
    None,
}
