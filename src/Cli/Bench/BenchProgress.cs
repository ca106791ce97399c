namespace Synomaly.Cli.Bench;

/// <summary>Where a bench run is: the step now running and how many of all steps are done.</summary>
public sealed record BenchProgress(string Step, int Done, int Total);
