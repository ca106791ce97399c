namespace Synomaly.Diffusion.Inference;

/// <summary>Where the Gaussian noise of the inference stages comes from (the noise itself is N(0, I) either way).</summary>
public enum NoiseSeeding
{
    /// <summary>
    /// Each slice has its own generator, seeded from its pixels and <see cref="InferenceOptions.Seed"/> (null: 0). A slice
    /// gets the same noise whatever else shares its batch, its row, the batch size or the run. Its map is the same up to
    /// the network's rounding, which depends on the batch size and the device (a pixel within about 1e-7 of θ can flip).
    /// The default.
    /// </summary>
    PerSlice,

    /// <summary>
    /// One generator for the whole batch, seeded with <see cref="InferenceOptions.Seed"/> (null: a fresh seed per call), as
    /// the reference's <c>torch.randn</c> of the batch does: a slice's noise depends on its row and the batch size. Kept
    /// to reproduce numbers published before per-slice seeding (docs/EVALUATION.md up to session 16).
    /// </summary>
    Batch,
}
