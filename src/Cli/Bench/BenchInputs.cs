using Synomaly.Cli.Commands;
using Synomaly.Diffusion.Maps;
using Synomaly.Evaluation;
using Synomaly.Imaging.Presets;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// The slices a bench run feeds the detector, on the CPU as [N, 1, S, S] in [−1, 1]: real slices read and prepared by the
/// brain-MRI preset (the product's own reader and resampling), or smooth synthetic images (blurred Gaussian noise through
/// tanh), which give maps with structure rather than pixel noise. Batches cycle through the slices.
/// </summary>
public sealed class BenchInputs : IDisposable
{
    private readonly Tensor _slices;

    private BenchInputs(Tensor slices, string description)
    {
        _slices = slices;
        Description = description;
    }

    public string Description { get; }

    public int Count => (int)_slices.shape[0];

    public static BenchInputs Synthetic(int count, int size, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var noise = randn([count, 1, size, size], dtype: ScalarType.Float32, device: CPU, generator: generator);
        int kernel = Math.Max(3, (size / 8) | 1);
        var images = OpenCvGaussianBlur.Apply(noise, kernel).mul(3 * Math.Sqrt(kernel)).tanh();
        return new BenchInputs(images.MoveToOuterDisposeScope(), $"{count} synthetic smooth slices ({size} px, seed {seed})");
    }

    /// <summary>Real slices from a folder, glob or manifest; throws <see cref="BenchOptionException"/> when none can be read.</summary>
    public static BenchInputs FromFiles(string spec, int size)
    {
        // A pattern whose folder does not exist passes the option check; told by the option, as the other verbs tell it, not
        // by the path InputFiles quotes (folder names can name patients).
        var files = UnreadableInputException.Guard(() => InputFiles.Resolve(spec, "--slices"));
        // A slice the file system refuses (no permission, a link to nowhere) is told by the option too, as train tells its own.
        var set = UnreadableInputException.Guard(() => TrainingSet.Load(files, new BrainMriPreset { ModelSize = size }, size, input: "--slices"));
        if (set.Count == 0)
        {
            throw new BenchOptionException("--slices", $"no readable slices among {files.Count} files.");
        }

        // Sources are counted, never named: file names can carry patient data.
        return new BenchInputs(set.ToTensor(), $"{set.Count} real slices ({size} px) from {files.Count} files, {set.Skipped.Count} skipped");
    }

    /// <summary>A batch of <paramref name="batchSize"/> slices (cycling through them) on <paramref name="device"/>.</summary>
    public Tensor Batch(int batchSize, Device device, int offset = 0)
    {
        using var scope = NewDisposeScope();
        // The slices stay on the CPU until a batch of them is moved; so does the index that picks them.
        var index = tensor(Enumerable.Range(offset, batchSize).Select(i => (long)(i % Count)).ToArray(), device: CPU);
        return _slices.index_select(0, index).to(device).MoveToOuterDisposeScope();
    }

    public void Dispose() => _slices.Dispose();
}
