namespace Synomaly.Diffusion.Inference;

/// <summary>
/// When the adaptive process stops a slice (ALGORITHM.md 3.3 and 6.4): the released script's rule and the paper figure's
/// differ, so both are offered. Both compare the non-zero pixel counts of the slice's stage maps (Σm of a binary mask) and
/// both run at most <see cref="InferenceOptions.MaxStages"/> stages.
/// </summary>
public enum StopRule
{
    /// <summary>
    /// The released script, the default: stop when |count(m_{n−1}) − count(m_n)| / max(count(m_{n−1}), 500) ≤ δ, with an
    /// all-ones m_0 (H·W pixels), so stage 1 is judged too and a stage-1 map of nearly every pixel stops at once.
    /// </summary>
    Released,

    /// <summary>
    /// The paper's figure: stop when |Σm_n − Σm_{n−1}| / Σm_{n−1} &lt; δ (strict, no floor). There is no m_0, so no slice
    /// stops after stage 1. An empty previous map (Σm_{n−1} = 0) leaves the ratio undefined; it is taken as its limit: 0
    /// when this map is empty too (nothing changed, so the slice has settled, as the released rule's 0/500 also says) and
    /// +∞ when pixels appeared (the largest relative change there is, so it continues).
    /// </summary>
    Paper,
}
