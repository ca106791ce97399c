using Synomaly.Imaging;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using static TorchSharp.torch;

namespace Synomaly.Evaluation;

/// <summary>
/// Healthy training images as model inputs: each file is read by the product's own reader and prepared by the same
/// modality preset that inference uses (resampling and intensity scaling identical at training and inference time).
/// Volumes contribute every slice the preset selects. Unreadable files are skipped and counted, never fatal.
/// </summary>
public sealed class TrainingSet
{
    private TrainingSet(float[] pixels, int count, int size, string presetName, IReadOnlyList<string> sources, IReadOnlyList<string> skipped)
    {
        PresetName = presetName;
        Pixels = pixels;
        Count = count;
        Size = size;
        Sources = sources;
        Skipped = skipped;
    }

    /// <summary>All slices, [Count, Size, Size] row-major, values in [-1, 1].</summary>
    public float[] Pixels { get; }

    public int Count { get; }

    public int Size { get; }

    /// <summary>The preset that prepared every slice (brain-mri, ct or ultrasound).</summary>
    public string PresetName { get; }

    /// <summary>"file#slice" for every slice, for manifests and audits.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Files that could not be read, with the typed reason.</summary>
    public IReadOnlyList<string> Skipped { get; }

    public static TrainingSet Load(IReadOnlyList<string> files, IModalityPreset preset, int size, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(preset);
        var pixels = new List<float>();
        var sources = new List<string>();
        var skipped = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            try
            {
                var volume = ScanReader.ReadFile(files[i]);
                var prepared = preset.Prepare(volume);
                foreach (var slice in prepared.Slices)
                {
                    if (slice.Pixels.Length != size * size)
                    {
                        throw new InvalidOperationException($"The preset produced {slice.Pixels.Length} pixels, expected {size}x{size}.");
                    }

                    pixels.AddRange(slice.Pixels);
                    sources.Add($"{files[i]}#{slice.SourceSlice}");
                }
            }
            catch (ScanRejectedException e)
            {
                skipped.Add($"{files[i]}: {e.Code}: {e.Message}");
            }

            progress?.Report(i + 1);
        }

        return new TrainingSet([.. pixels], sources.Count, size, preset.Name, sources, skipped);
    }

    /// <summary>The slices as a [Count, 1, Size, Size] float32 tensor (on the CPU; the trainer moves it).</summary>
    public Tensor ToTensor() => tensor(Pixels, [Count, 1, Size, Size], float32);
}
