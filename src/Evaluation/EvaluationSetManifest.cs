using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// The manifest of an evaluation set (reporting-set.json, tuning-set.json): what it was built from (the subject split and
/// its seed, the modality whose preset prepared the slices, the preset size and slice orientation, the synthesizer's options, the lesion map and the grid its shapes were
/// resampled onto, every source file by SHA-256) and every case's seed, drawn parameters and the SHA-256 of its model
/// input and truth mask. The same inputs rebuild the same cases (<see cref="EvaluationPlan"/>), and
/// <see cref="EvaluationSetVerification"/> checks that they do. Field names are those of the first manifests; fields added
/// since (orientation, modality, the case hashes) read as null in older ones.
/// </summary>
public sealed record EvaluationSetManifest
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>"tuning" or "reporting".</summary>
    [JsonPropertyName("half")]
    public required string Half { get; init; }

    [JsonPropertyName("splitSeed")]
    public required int SplitSeed { get; init; }

    [JsonPropertyName("modelSize")]
    public required int ModelSize { get; init; }

    [JsonPropertyName("lesionsPerSlice")]
    public required int LesionsPerSlice { get; init; }

    [JsonPropertyName("baseSeed")]
    public required int BaseSeed { get; init; }

    /// <summary>The slice layout (<see cref="SliceOrientationNames"/>); null in manifests written before it was recorded, which were all display.</summary>
    [JsonPropertyName("orientation")]
    public string? Orientation { get; init; }

    /// <summary>
    /// The modality the model card records (<see cref="ModalityNames"/>), whose preset prepared the slices and whose organ
    /// received the lesions; null when the card records none, so each file's own modality chose the preset.
    /// </summary>
    [JsonPropertyName("modality")]
    public string? Modality { get; init; }

    [JsonPropertyName("synthesis")]
    public required SynthesisOptions Synthesis { get; init; }

    /// <summary>The lesion map real shapes came from; null: procedural shapes only.</summary>
    [JsonPropertyName("lesionMap")]
    public ManifestLesionMap? LesionMap { get; init; }

    [JsonPropertyName("sources")]
    public required IReadOnlyList<ManifestSource> Sources { get; init; }

    [JsonPropertyName("cases")]
    public required IReadOnlyList<ManifestCase> Cases { get; init; }

    /// <summary>The layout the set's slices were prepared in: a manifest without the field was made in the display layout.</summary>
    [JsonIgnore]
    public SliceOrientation SliceOrientation => SliceOrientationNames.ParseRecorded(Orientation);

    /// <summary>
    /// The modality the set was built for. A manifest without the field (written before it was recorded, such as the
    /// shipped demo-v8 ones) reads as <see cref="ModalityHint.Auto"/>: it is rebuilt with each file's own preset, exactly
    /// as verify-set always rebuilt it; that is also how a set for a card without a modality was built.
    /// </summary>
    [JsonIgnore]
    public ModalityHint TrainedFor => ModalityNames.ParseRecorded(Modality);

    /// <summary>
    /// The manifest of <paramref name="half"/> ("tuning" or "reporting") of <paramref name="plan"/>, built as
    /// <paramref name="cases"/>; <paramref name="cancellationToken"/> stops the hashing of its files within 1 MiB of the one in progress.
    /// </summary>
    public static EvaluationSetManifest Of(EvaluationPlan plan, string half, int baseSeed, IReadOnlyList<EvaluationCase> cases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(cases);
        // Sources by their path below the set's folder, as the builder names cases: file names alone repeat across
        // patients' folders. A flat folder's are its file names, as in every manifest written before.
        var names = SetRelativePaths.Of(cases.Select(c => c.Source));
        return new EvaluationSetManifest
        {
            Half = half,
            SplitSeed = SubjectSplit.DefaultSeed,
            ModelSize = plan.ModelSize,
            LesionsPerSlice = plan.LesionsPerSlice,
            BaseSeed = baseSeed,
            Orientation = SliceOrientationNames.Of(plan.Orientation),
            Modality = plan.TrainedFor == ModalityHint.Auto ? null : ModalityNames.Of(plan.TrainedFor),
            Synthesis = EvaluationSetBuilder.Synthesis,
            LesionMap = plan.LesionMapPath is { } map ? new ManifestLesionMap(Path.GetFileName(map), Sha256Of(map, cancellationToken), plan.ShapeGrid) : null,
            Sources = [.. cases.Select(c => c.Source).Distinct().Select(file => new ManifestSource(names[file], Sha256Of(file, cancellationToken)))],
            Cases = [.. cases.Select(c => new ManifestCase(c.Id, names[c.Source], c.TruthArea, c.Lesion, Sha256Of(MemoryMarshal.AsBytes(c.Input.AsSpan())), Sha256Of(MemoryMarshal.AsBytes(c.Truth.AsSpan()))))],
        };
    }

    /// <summary>Writes the manifest of <paramref name="half"/> ("tuning" or "reporting") of <paramref name="plan"/>.</summary>
    public static void Write(string path, EvaluationPlan plan, string half, int baseSeed, IReadOnlyList<EvaluationCase> cases) =>
        File.WriteAllText(path, Of(plan, half, baseSeed, cases).ToJson());

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// Reads a manifest; one that is not one (not JSON, or a required field missing) or that names a modality or slice
    /// orientation this version does not know is an <see cref="InvalidDataException"/> naming the file by verify-set's
    /// option, its one reader (--manifest), never by its path: folder names can carry patient names, and the command line
    /// prints this message as it is.
    /// </summary>
    public static EvaluationSetManifest Read(string path)
    {
        EvaluationSetManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<EvaluationSetManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException("--manifest holds no evaluation-set manifest (it is JSON null).");
        }
        catch (JsonException e)
        {
            // The JSON error names a place in the document ("Path: $ | LineNumber: 0"), not the file.
            throw new InvalidDataException($"--manifest is not an evaluation-set manifest (reporting-set.json or tuning-set.json): {e.Message}", e);
        }

        try
        {
            // Parsed here, not when the set is rebuilt, so that the error names the manifest.
            _ = (manifest.TrainedFor, manifest.SliceOrientation);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"--manifest: {e.Message}", e);
        }

        return manifest;
    }

    /// <param name="cancellationToken">
    /// Checked before the file is opened and before each 1 MiB of it is hashed: tune and evaluate hash whole sets (the
    /// --data folder they split, a --normative-data folder, the reported scans) before their work starts, and Ctrl-C must
    /// not wait for the last volume, nor for the next file to open.
    /// </param>
    internal static string Sha256Of(string file, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = File.OpenRead(file);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[1 << 20];
        int read;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            read = stream.Read(chunk);
            hash.AppendData(chunk, 0, read);
        }
        while (read > 0);

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

/// <summary>The lesion map of a manifest: its file name, SHA-256 and the grid its shapes were resampled onto.</summary>
public sealed record ManifestLesionMap(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("grid")] SliceGrid? Grid);

/// <summary>A source slice of a manifest: its path below the set's folder ('/'-separated; the file name in a flat folder) and SHA-256.</summary>
public sealed record ManifestSource([property: JsonPropertyName("file")] string File, [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// A case of a manifest: its id, source (as <see cref="ManifestSource"/> names it), truth area in model pixels, lesion parameters (null: healthy) and the
/// SHA-256 of its model input (float32, little-endian) and truth mask (one byte a pixel), null in manifests written before
/// they were recorded.
/// </summary>
public sealed record ManifestCase(
    string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("truthArea")] int TruthArea,
    [property: JsonPropertyName("lesion")] LesionParameters? Lesion,
    [property: JsonPropertyName("inputSha256")] string? InputSha256 = null,
    [property: JsonPropertyName("truthSha256")] string? TruthSha256 = null);
