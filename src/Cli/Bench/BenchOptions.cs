using System.Globalization;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Model;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// A checked `synomaly bench` run: what to measure (model, variants, batch sizes), how long (warm-up, iterations or
/// seconds per measurement), where to write. Defaults depend on the device: the published model and batches up to 128 on
/// CUDA, the small model and batches 1 and 8 on a CPU.
/// </summary>
public sealed record BenchOptions
{
    public const double DefaultSeconds = 3;

    public required string Device { get; init; }

    public required BenchModelKind Config { get; init; }

    /// <summary>The model package folder for <see cref="BenchModelKind.Demo"/>; null otherwise.</summary>
    public string? ModelDirectory { get; init; }

    public required IReadOnlyList<int> BatchSizes { get; init; }

    public required IReadOnlyList<ScalarType> Precisions { get; init; }

    public required IReadOnlyList<AttentionKernel> AttentionKernels { get; init; }

    /// <summary>false: contiguous (NCHW), true: channels-last; one pass per entry.</summary>
    public required IReadOnlyList<bool> ChannelsLastLayouts { get; init; }

    public required int Warmup { get; init; }

    /// <summary>Timed calls per measurement; null when <see cref="Seconds"/> bounds it instead.</summary>
    public int? Iterations { get; init; }

    /// <summary>Least time per measurement (at least one call); null when <see cref="Iterations"/> is set.</summary>
    public double? Seconds { get; init; }

    public required string OutputDirectory { get; init; }

    public bool Smoke { get; init; }

    public bool Parity { get; init; }

    /// <summary>Only the parity check, no speed measurements.</summary>
    public bool ParityOnly { get; init; }

    /// <summary>A folder (or glob or manifest) of real slices for the inputs and the parity check; null: synthetic slices.</summary>
    public string? Slices { get; init; }

    public long Seed { get; init; } = 1234;

    /// <summary>libtorch's intra-op CPU threads (torch.set_num_threads); null keeps libtorch's default (one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Every variant the options ask for, in run order (precision, then attention, then layout).</summary>
    public IReadOnlyList<BenchVariant> Variants() =>
        [.. from precision in Precisions from attention in AttentionKernels from channelsLast in ChannelsLastLayouts select new BenchVariant(precision, attention, channelsLast)];

    /// <summary>Checks the given arguments and fills in the defaults; throws <see cref="BenchOptionException"/> naming the first bad option.</summary>
    /// <param name="cudaAvailable">Whether CUDA is usable here: it decides what "auto" means and the device-dependent defaults.</param>
    /// <param name="repositoryRoot">Where models/brain-mri-demo lives (only read for --config demo without --model).</param>
    public static BenchOptions Resolve(BenchArguments arguments, bool cudaAvailable, Func<string> repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(repositoryRoot);
        string device = ParseDevice(arguments.Device, cudaAvailable);
        bool onCuda = device.StartsWith("cuda", StringComparison.Ordinal);
        if (arguments.Smoke)
        {
            RefuseWhatSmokeWouldIgnore(arguments);
        }

        var config = arguments.Smoke ? BenchModelKind.Smoke : ParseConfig(arguments.Config, arguments.Model, onCuda);

        if (arguments.Iterations is not null && arguments.Seconds is not null)
        {
            throw new BenchOptionException("--iterations", "give --iterations or --seconds, not both.");
        }

        if (arguments.Iterations is < 1)
        {
            throw new BenchOptionException("--iterations", $"must be at least 1, got {arguments.Iterations}.");
        }

        if (arguments.Seconds is not null && !(arguments.Seconds > 0 && double.IsFinite(arguments.Seconds.Value)))
        {
            throw new BenchOptionException("--seconds", $"must be a positive number, got {arguments.Seconds}.");
        }

        if (arguments.Warmup is < 0)
        {
            throw new BenchOptionException("--warmup", $"must be 0 or more, got {arguments.Warmup}.");
        }

        if (arguments.Threads is < 1)
        {
            throw new BenchOptionException("--threads", $"must be at least 1, got {arguments.Threads}.");
        }

        string defaultBatches = arguments.Smoke ? "2" : onCuda ? "1,8,32,128" : "1,8";
        return new BenchOptions
        {
            Device = device,
            Config = config,
            ModelDirectory = config == BenchModelKind.Demo ? ResolveModelDirectory(arguments.Model, repositoryRoot) : null,
            BatchSizes = ParseBatchSizes(arguments.BatchSizes ?? defaultBatches),
            Precisions = ParsePrecisions(arguments.Precisions ?? "fp32,bf16"),
            AttentionKernels = ParseAttention(arguments.Attention ?? "explicit"),
            ChannelsLastLayouts = ParseLayouts(arguments.MemoryFormats ?? "contiguous"),
            Warmup = arguments.Warmup ?? (arguments.Smoke ? 0 : 1),
            Iterations = arguments.Smoke ? 1 : arguments.Iterations,
            Seconds = arguments.Smoke || arguments.Iterations is not null ? null : arguments.Seconds ?? DefaultSeconds,
            OutputDirectory = string.IsNullOrWhiteSpace(arguments.Out) ? Path.Combine("out", "bench") : arguments.Out,
            Smoke = arguments.Smoke,
            Parity = arguments.Parity || arguments.ParityOnly,
            ParityOnly = arguments.ParityOnly,
            Slices = ParseSlices(arguments.Slices),
            Seed = arguments.Seed ?? 1234,
            Threads = arguments.Threads,
        };
    }

    /// <summary>
    /// The smoke run has its own tiny model and makes one timed call per measurement: a model, config or measuring budget
    /// given with it would be silently ignored (even a model folder that does not exist), so it is refused instead.
    /// </summary>
    private static void RefuseWhatSmokeWouldIgnore(BenchArguments arguments)
    {
        string? ignored = arguments.Config is not null ? "--config"
            : arguments.Model is not null ? "--model"
            : arguments.Iterations is not null ? "--iterations"
            : arguments.Seconds is not null ? "--seconds"
            : null;
        if (ignored is not null)
        {
            throw new BenchOptionException("--smoke", $"the smoke run uses its own tiny model and one call per measurement; leave out {ignored}.");
        }
    }

    private static string ParseDevice(string? value, bool cudaAvailable)
    {
        if (!TorchDevice.IsValidSetting(value))
        {
            // The same error, and so the same "error: --device: ..." line and exit 2, as every other verb's --device.
            throw UnknownDeviceException.For(value);
        }

        string device = string.IsNullOrWhiteSpace(value) ? "auto" : value.Trim().ToLowerInvariant();
        if (device == "auto")
        {
            return cudaAvailable ? "cuda" : "cpu";
        }

        bool cuda = device != "cpu";

        if (cuda && !cudaAvailable)
        {
            throw new BenchOptionException("--device", $"'{value}' was asked for, but CUDA is not available in this process.");
        }

        return device;
    }

    private static BenchModelKind ParseConfig(string? value, string? model, bool onCuda)
    {
        var config = value?.Trim().ToLowerInvariant() switch
        {
            null or "" => model is not null ? BenchModelKind.Demo : onCuda ? BenchModelKind.Full : BenchModelKind.Small,
            "full" => BenchModelKind.Full,
            "demo" => BenchModelKind.Demo,
            "small" => BenchModelKind.Small,
            _ => throw new BenchOptionException("--config", $"'{value}' is not full, demo or small."),
        };
        if (model is not null && config != BenchModelKind.Demo)
        {
            throw new BenchOptionException("--model", "a model folder is measured with --config demo.");
        }

        return config;
    }

    private static string ResolveModelDirectory(string? model, Func<string> repositoryRoot)
    {
        string directory = model ?? Path.Combine(repositoryRoot(), "models", "brain-mri-demo");
        if (!Directory.Exists(directory))
        {
            throw new BenchOptionException("--model", "the model folder does not exist.");
        }

        return directory;
    }

    private static string? ParseSlices(string? slices)
    {
        if (slices is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(slices) || !(Directory.Exists(slices) || File.Exists(slices) || slices.Contains('*', StringComparison.Ordinal)))
        {
            // Told by the option only, as every input option: paths can carry patient names.
            throw new BenchOptionException("--slices", "no file, folder or pattern matches the input given.");
        }

        return slices;
    }

    private static int[] ParseBatchSizes(string text)
    {
        var sizes = SplitList(text, "--batch-sizes").Select(part =>
            int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size >= 1
                ? size
                : throw new BenchOptionException("--batch-sizes", $"'{part}' is not a positive whole number.")).ToArray();
        return [.. sizes.Distinct().Order()];
    }

    private static ScalarType[] ParsePrecisions(string text) => [.. SplitList(text, "--precision").Select(part =>
        PrecisionNames.TryParse(part, out var type) ? type : throw new BenchOptionException("--precision", $"'{part}' is not fp32, bf16 or fp16.")).Distinct()];

    private static AttentionKernel[] ParseAttention(string text) => [.. SplitList(text, "--attention").Select(part => part.ToLowerInvariant() switch
    {
        "explicit" => AttentionKernel.Explicit,
        "sdpa" => AttentionKernel.ScaledDotProduct,
        _ => throw new BenchOptionException("--attention", $"'{part}' is not explicit or sdpa."),
    }).Distinct()];

    private static bool[] ParseLayouts(string text) => [.. SplitList(text, "--memory-format").Select(part => part.ToLowerInvariant() switch
    {
        "contiguous" => false,
        "channels-last" or "channels_last" => true,
        _ => throw new BenchOptionException("--memory-format", $"'{part}' is not contiguous or channels-last."),
    }).Distinct()];

    private static string[] SplitList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 ? parts : throw new BenchOptionException(option, "the list is empty.");
    }
}
