namespace Synomaly.Cli.Bench;

/// <summary>
/// The reference's figures for the published model on one H100 (shared/fixtures/reference-unet/README.md, PyTorch 2.11 eager):
/// what `synomaly bench` compares the full configuration against on CUDA.
/// </summary>
public static class ReferenceFigures
{
    /// <summary>The authors' loop, one stage: 32.6 ms per slice.</summary>
    public const double AuthorsSingleStageSlicesPerSecond = 31;

    /// <summary>The authors' loop, 5 stages (the adaptive worst case): 170 ms per slice.</summary>
    public const double AuthorsFiveStageSlicesPerSecond = 5.9;

    /// <summary>Batched PyTorch, bf16 autocast, batch 128: forwards (images) per second.</summary>
    public const double BatchedPyTorchBf16ForwardsPerSecond = 708;

    /// <summary>The hardware limit: 148.3 GFLOP per forward at about 790 TFLOP/s bf16 dense.</summary>
    public const double HardwareLimitForwardsPerSecond = 5300;

    /// <summary>The target for 5-stage adaptive inference of the full model.</summary>
    public const double TargetFiveStageSlicesPerSecond = 400;

    /// <summary>The ratios of a measured row, or null when the row has no numbers.</summary>
    public static ReferenceComparison? Compare(Measurement? forward, Measurement? singleStage, Measurement? fiveStage) =>
        forward is null || singleStage is null || fiveStage is null
            ? null
            : new ReferenceComparison(
                singleStage.ItemsPerSecond / AuthorsSingleStageSlicesPerSecond,
                fiveStage.ItemsPerSecond / AuthorsFiveStageSlicesPerSecond,
                forward.ItemsPerSecond / BatchedPyTorchBf16ForwardsPerSecond,
                forward.ItemsPerSecond / HardwareLimitForwardsPerSecond,
                fiveStage.ItemsPerSecond / TargetFiveStageSlicesPerSecond);
}

/// <summary>
/// Ratios to <see cref="ReferenceFigures"/>: speed-ups over the authors' loop (1 and 5 stages), forwards against batched
/// PyTorch bf16 and as a share of the hardware limit, and the 5-stage rate as a share of the 400 slices/s target.
/// </summary>
public sealed record ReferenceComparison(
    double SingleStageVsAuthors, double FiveStageVsAuthors, double ForwardVsBatchedPyTorch, double ForwardShareOfLimit, double FiveStageShareOfTarget);
