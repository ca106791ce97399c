namespace Synomaly.Cli.Bench;

/// <summary>Everything one `synomaly bench` run found: where it ran, what it measured, every row and the parity checks.</summary>
public sealed record BenchReport
{
    public required BenchEnvironment Environment { get; init; }

    public required string Model { get; init; }

    public required long Parameters { get; init; }

    public required int ImageSize { get; init; }

    /// <summary>The inference profile, as text (mode, t, blur kernel, threshold, minimum component, δ, stage cap, fusion).</summary>
    public required string Profile { get; init; }

    public required string Inputs { get; init; }

    public required string Budget { get; init; }

    public required IReadOnlyList<BenchRow> Rows { get; init; }

    public IReadOnlyList<ParityRow> Parity { get; init; } = [];

    /// <summary>What a reader must know to read the numbers (skipped precisions, n/a memory, load), in plain sentences.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
