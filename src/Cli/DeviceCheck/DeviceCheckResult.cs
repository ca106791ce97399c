namespace Synomaly.Cli.DeviceCheck;

/// <summary>One check's outcome: what it found (or the error that stopped it) and how long it took.</summary>
public sealed record DeviceCheckResult(string Name, bool Passed, string Detail, double Seconds);
