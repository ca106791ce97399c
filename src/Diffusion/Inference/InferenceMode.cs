namespace Synomaly.Diffusion.Inference;

/// <summary>
/// The three inference variants of the reference's <c>run_inference</c> (ALGORITHM.md 3.1 to 3.3), which it picks by the
/// Python type of <c>inference_noise_steps</c>: an int, a list of several steps, or a list of one step.
/// </summary>
public enum InferenceMode
{
    /// <summary>One stage at t: noise, predict x0, clamp (an int t).</summary>
    SingleStage,

    /// <summary>One stage per listed t, each re-noising the previous prediction, without fusion (a list of several t).</summary>
    FixedStages,

    /// <summary>The method of the paper's Fig. 2: stages at one t with masked fusion until the per-slice stop rule holds (a list of one t).</summary>
    Adaptive,
}
