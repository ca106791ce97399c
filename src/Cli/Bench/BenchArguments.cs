namespace Synomaly.Cli.Bench;

/// <summary>The `synomaly bench` options as given on the command line (null: not given); <see cref="BenchOptions.Resolve"/> checks them.</summary>
public sealed record BenchArguments
{
    public string? Device { get; init; }

    public string? Config { get; init; }

    public string? Model { get; init; }

    public string? BatchSizes { get; init; }

    public string? Precisions { get; init; }

    public string? Attention { get; init; }

    public string? MemoryFormats { get; init; }

    public int? Warmup { get; init; }

    public int? Iterations { get; init; }

    public double? Seconds { get; init; }

    public string? Out { get; init; }

    public bool Smoke { get; init; }

    public bool Parity { get; init; }

    public bool ParityOnly { get; init; }

    public string? Slices { get; init; }

    public long? Seed { get; init; }

    public int? Threads { get; init; }
}
