using Synomaly.Imaging;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using static TorchSharp.torch;

namespace Synomaly.Evaluation;

/// <summary>
/// Healthy training images as model inputs: each file is read by the product's own reader and prepared by the same
/// modality preset that inference uses (resampling and intensity scaling identical at training and inference time).
/// Volumes contribute every slice the preset selects. Files the reader rejects are skipped and counted, never fatal; a
/// file the file system refuses (no permission, a link to nowhere) stops the load, by its option. With region
/// masks (one file per image), each slice's mask is prepared exactly as its image (<see cref="RegionMaskPreparation"/>).
/// Blank slices are left out and counted (<see cref="BlankSlices"/>): the preset still hands one over for a blank 2-D file
/// or a volume without foreground, and min-max scaling turns it into an all −1 image that would be trained on as a healthy
/// black scan.
/// </summary>
public sealed class TrainingSet
{
    private TrainingSet(
        float[] pixels, float[]? regionMasks, int count, int size, string presetName, IReadOnlyList<string> sources, IReadOnlyList<SkippedFile> skipped, IReadOnlyList<string> blankSlices)
    {
        BlankSlices = blankSlices;
        PresetName = presetName;
        Pixels = pixels;
        RegionMasks = regionMasks;
        Count = count;
        Size = size;
        Sources = sources;
        Skipped = skipped;
    }

    /// <summary>The option region masks are given with (train --region-mask), named when one cannot be read or used.</summary>
    private const string RegionMaskOption = "--region-mask";

    /// <summary>All slices, [Count, Size, Size] row-major, values in [-1, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>The region mask of every slice, laid out as <see cref="Pixels"/> (−1 forbids anomalies); null when none were given.</summary>
    public float[]? RegionMasks { get; }

    public int Count { get; }

    public int Size { get; }

    /// <summary>The preset that prepared every slice (brain-mri, ct or ultrasound).</summary>
    public string PresetName { get; }

    /// <summary>"file#slice" for every slice, for manifests and audits.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Files that could not be read, with the typed reason.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>
    /// "file#slice" of every slice left out as blank (one intensity throughout as prepared, or no foreground). A file all of whose slices are
    /// blank is read but gives no slice, which is how a refusal of the whole set counts it.
    /// </summary>
    public IReadOnlyList<string> BlankSlices { get; }

    /// <param name="regionMaskFiles">The region mask of each file (same order, same grid), or null for none; a mask the reader rejects skips its image.</param>
    /// <param name="cancellationToken">
    /// Checked before each file, handed to the reader (each chunk, frame or file of a series) and checked again once the
    /// file is prepared, before it enters the set: reading a large set takes minutes, and Ctrl-C must not wait for all of
    /// it. A load cancelled at any point throws <see cref="OperationCanceledException"/>, never returns a set.
    /// </param>
    /// <param name="input">
    /// The option or argument <paramref name="files"/> were given to (train's &lt;input&gt;, bench's --slices): a file the
    /// file system refuses (no permission, a link to nowhere) stops the load as an <see cref="InputListingException"/> of
    /// it, and a region mask as one of --region-mask (<see cref="InputReads"/>).
    /// </param>
    public static TrainingSet Load(
        IReadOnlyList<string> files,
        IModalityPreset preset,
        int size,
        IReadOnlyList<string>? regionMaskFiles = null,
        IProgress<int>? progress = null,
        string input = "<input>",
        CancellationToken cancellationToken = default) =>
        Load(files, preset, size, regionMaskFiles, progress, ScanReader.ReadFile, input, cancellationToken);

    /// <param name="read">
    /// Reads one file (<see cref="ScanReader.ReadFile"/>); a test stands in for it to cancel inside one file's read, or to
    /// refuse a file as the file system refuses anyone but root a file without read permission.
    /// </param>
    internal static TrainingSet Load(
        IReadOnlyList<string> files,
        IModalityPreset preset,
        int size,
        IReadOnlyList<string>? regionMaskFiles,
        IProgress<int>? progress,
        Func<string, ScanReadOptions, Volume> read,
        string input,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(preset);
        if (regionMaskFiles is not null && regionMaskFiles.Count != files.Count)
        {
            throw new ArgumentException($"{regionMaskFiles.Count} region masks for {files.Count} files: give one per file.", nameof(regionMaskFiles));
        }

        var pixels = new List<float>();
        var masks = regionMaskFiles is null ? null : new List<float>();
        var sources = new List<string>();
        var skipped = new List<SkippedFile>();
        var blank = new List<string>();
        var options = ScanReadOptions.Default with { CancellationToken = cancellationToken };
        for (int i = 0; i < files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string current = files[i];
            try
            {
                var volume = InputReads.Guard(input, () => read(current, options));
                var prepared = preset.Prepare(volume, cancellationToken);
                current = regionMaskFiles?[i] ?? current;
                var mask = regionMaskFiles is null ? null : InputReads.Guard(RegionMaskOption, () => read(current, options));
                var sliceMasks = new List<float[]>();
                var kept = new List<ModelSlice>();
                foreach (var slice in prepared.Slices)
                {
                    if (slice.Pixels.Length != size * size)
                    {
                        throw new InvalidOperationException($"The preset produced {slice.Pixels.Length} pixels, expected {size}x{size}.");
                    }

                    if (IsBlank(slice))
                    {
                        blank.Add($"{files[i]}#{slice.SourceSlice}");
                        continue;
                    }

                    kept.Add(slice);
                    if (mask is not null)
                    {
                        sliceMasks.Add(MaskOf(prepared, slice, mask, i, files.Count));
                    }
                }

                // The reader stops inside a file and the preset before each slice, but the region mask is read and cut
                // after them: checked once more, so that a cancel during the last file never returns a whole set, on
                // which train would checkpoint an untrained network.
                cancellationToken.ThrowIfCancellationRequested();

                // Only whole files enter the set, so that every slice keeps its mask at the same index.
                foreach (var slice in kept)
                {
                    pixels.AddRange(slice.Pixels);
                    sources.Add($"{files[i]}#{slice.SourceSlice}");
                }

                masks?.AddRange(sliceMasks.SelectMany(m => m));
            }
            catch (ScanRejectedException e)
            {
                skipped.Add(new SkippedFile(current, e.Code, e.Message));
            }

            progress?.Report(i + 1);
        }

        return new TrainingSet([.. pixels], masks?.ToArray(), sources.Count, size, preset.Name, sources, skipped, blank);
    }

    /// <summary>
    /// One value throughout (no intensity range: min-max made it all −1), or nothing the preset counts as the imaged
    /// object: no anatomy to learn from.
    /// </summary>
    private static bool IsBlank(ModelSlice slice)
    {
        float first = slice.Pixels[0];
        return Array.TrueForAll(slice.Pixels, p => p == first) || !Array.Exists(slice.Foreground, inside => inside);
    }

    /// <param name="index">The image's index among the <paramref name="count"/> training files, which a refusal names.</param>
    private static float[] MaskOf(PreparedScan prepared, ModelSlice slice, Imaging.Volumes.Volume mask, int index, int count)
    {
        try
        {
            return RegionMaskPreparation.Prepare(prepared, slice, mask);
        }
        catch (ArgumentException e)
        {
            // A mask on another grid is a mistake in the data, not an unreadable file: stop and say which image, by its
            // position in the listing and never by path, which can carry a patient's name.
            throw new InvalidDataException(
                $"The {RegionMaskOption} mask of {InputPosition.Of(index, count, "the training data")} does not fit its image: {e.Message}", e);
        }
    }

    /// <summary>The slices as a [Count, 1, Size, Size] float32 tensor (on the CPU, whatever the default device; the trainer moves it).</summary>
    public Tensor ToTensor() => tensor(Pixels, [Count, 1, Size, Size], float32, device: CPU);

    /// <summary>The region masks as a [Count, 1, Size, Size] float32 tensor like <see cref="ToTensor"/>; null without masks.</summary>
    public Tensor? ToRegionMaskTensor() => RegionMasks is null ? null : tensor(RegionMasks, [Count, 1, Size, Size], float32, device: CPU);
}
