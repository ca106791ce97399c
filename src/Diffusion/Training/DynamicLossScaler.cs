namespace Synomaly.Diffusion.Training;

/// <summary>
/// Loss scaling for float16 training (TorchSharp 0.107 has no GradScaler): the loss is multiplied by <see cref="Scale"/>
/// before the backward pass so that small gradients do not flush to zero in float16, and the gradients are divided by it
/// again in float32. A step whose gradients overflowed is skipped and the scale halved; after
/// <see cref="GrowthInterval"/> clean steps in a row the scale doubles, so it settles just below overflow. Defaults are
/// PyTorch's GradScaler defaults.
/// </summary>
public sealed class DynamicLossScaler
{
    public const double InitialScale = 65536;

    public const int GrowthInterval = 2000;

    public double Scale { get; private set; } = InitialScale;

    /// <summary>Clean steps since the scale last changed.</summary>
    public int CleanSteps { get; private set; }

    /// <summary>Records one step's outcome; returns whether the optimizer may apply it (gradients all finite).</summary>
    public bool Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            // Never below 1: overflow at scale 1 means the float16 forward itself overflows, which a smaller scale cannot fix.
            Scale = Math.Max(1, Scale / 2);
            CleanSteps = 0;
            return false;
        }

        if (++CleanSteps >= GrowthInterval)
        {
            Scale *= 2;
            CleanSteps = 0;
        }

        return true;
    }

    /// <summary>Restores the state saved with a checkpoint.</summary>
    public void Restore(double scale, int cleanSteps)
    {
        if (!(scale >= 1) || !double.IsFinite(scale) || cleanSteps < 0)
        {
            throw new InvalidDataException($"Invalid loss-scaler state in the checkpoint: scale {scale}, clean steps {cleanSteps}.");
        }

        Scale = scale;
        CleanSteps = cleanSteps;
    }
}
