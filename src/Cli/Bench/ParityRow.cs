namespace Synomaly.Cli.Bench;

/// <summary>
/// A variant against the float32 reference path on the same slices, weights, timesteps and noise: the largest absolute
/// difference of the UNet's ε output (and the output's scale), and how many pixels of the anomaly masks agree after one
/// stage and after the adaptive process (the issue asks for at least 99 %), with the masks' IoU (anomalous pixels only, 1
/// when both are empty) and the share of slices that ran the same number of stages.
/// </summary>
public sealed record ParityRow
{
    public required string Candidate { get; init; }

    public required string Inputs { get; init; }

    public required int Slices { get; init; }

    public required string Status { get; init; }

    public double? UnetMaxAbsError { get; init; }

    public double? UnetOutputScale { get; init; }

    public double? SingleStageMaskAgreementPercent { get; init; }

    public double? AdaptiveMaskAgreementPercent { get; init; }

    public double? AdaptiveMaskIou { get; init; }

    public double? SameStageCountPercent { get; init; }
}
