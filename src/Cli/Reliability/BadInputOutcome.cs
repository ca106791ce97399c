namespace Synomaly.Cli.Reliability;

/// <summary>How one bad-input file ended: it passes when the job Failed with exactly the expected reason.</summary>
public sealed record BadInputOutcome(string Name, string Description, string ExpectedCode, string State, string? ActualCode, string? Message)
{
    public bool Passed => State == "Failed" && ActualCode == ExpectedCode;
}
