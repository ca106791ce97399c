namespace Synomaly.Cli.Bench;

/// <summary>Which network `synomaly bench` measures.</summary>
public enum BenchModelKind
{
    /// <summary>The published configuration (128 px, 98.6 M parameters) with seeded random weights.</summary>
    Full,

    /// <summary>A model package: models/brain-mri-demo or --model DIR, with its card's inference profile.</summary>
    Demo,

    /// <summary>A compact configuration with the published layout's features (two res blocks, attention at two levels) for CPUs.</summary>
    Small,

    /// <summary>A tiny configuration for the seconds-long CI smoke run.</summary>
    Smoke,
}
