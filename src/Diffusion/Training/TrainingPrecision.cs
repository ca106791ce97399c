using static TorchSharp.torch;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// The arithmetic of the forward and backward passes. The weights the optimizer updates (the master weights), the optimizer
/// moments, the EMA and everything saved stay float32 in every mode; see <see cref="ReducedPrecisionReplica"/>.
/// </summary>
public enum TrainingPrecision
{
    /// <summary>Float32 throughout, as the authors (the default).</summary>
    Fp32 = 0,

    /// <summary>BFloat16 convolutions, linears and attention matmuls; float32's range, so no loss scaling.</summary>
    Bf16,

    /// <summary>Float16 compute with dynamic loss scaling (<see cref="DynamicLossScaler"/>); meant for CUDA.</summary>
    Fp16,
}

/// <summary>The command-line names of <see cref="TrainingPrecision"/> and the tensor type each computes in.</summary>
public static class TrainingPrecisions
{
    public static string Name(this TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Fp32 => "fp32",
        TrainingPrecision.Bf16 => "bf16",
        TrainingPrecision.Fp16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown training precision."),
    };

    public static ScalarType ComputeType(this TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Fp32 => ScalarType.Float32,
        TrainingPrecision.Bf16 => ScalarType.BFloat16,
        TrainingPrecision.Fp16 => ScalarType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown training precision."),
    };

    /// <summary>Parses fp32, bf16 or fp16 (case-insensitive); anything else is an <see cref="InvalidOptionException"/>.</summary>
    public static TrainingPrecision Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => TrainingPrecision.Fp32,
        "bf16" or "bfloat16" => TrainingPrecision.Bf16,
        "fp16" or "float16" => TrainingPrecision.Fp16,
        _ => throw new InvalidOptionException("precision", name, "The training precision must be fp32, bf16 or fp16."),
    };
}
