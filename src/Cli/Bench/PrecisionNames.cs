using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>The short precision names of the bench options and reports (fp32, bf16, fp16).</summary>
public static class PrecisionNames
{
    public static string Of(ScalarType type) => type switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "The UNet runs in fp32, bf16 or fp16."),
    };

    public static bool TryParse(string name, out ScalarType type)
    {
        (bool known, type) = name.Trim().ToLowerInvariant() switch
        {
            "fp32" or "float32" => (true, ScalarType.Float32),
            "bf16" or "bfloat16" => (true, ScalarType.BFloat16),
            "fp16" or "float16" or "half" => (true, ScalarType.Float16),
            _ => (false, ScalarType.Float32),
        };
        return known;
    }
}
