namespace Synomaly.Diffusion.Inference;

/// <summary>
/// The denominator floor of the released stop rule (<see cref="StopRule.Released"/>: |Δcount| / max(previous count,
/// floor) ≤ δ). The paper's rule has no floor, so this does not change it.
/// </summary>
public enum StopFloor
{
    /// <summary>
    /// 500 pixels whatever the slice size: the released script, written for 128×128 slices (3.05 % of them). The default,
    /// and what a card without the field means.
    /// </summary>
    Reference,

    /// <summary>
    /// The reference's 500 pixels at 128×128 scaled by area to the slice, 500·H·W/128² (125 at 64×64, 2000 at 256×256):
    /// the same share of the slice, as the minimum component size is scaled. Not in the authors' method: at 64 px the
    /// fixed 500 is 12.2 % of the slice, so small maps stop on changes that the reference would count as large.
    /// </summary>
    AreaScaled,
}
