using Synomaly.Diffusion.Maps;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// The JSON description that travels with a model's weights (<c>model-card.json</c>): what network to build, which diffusion
/// schedule it was trained for, how to preprocess its input, the inference settings it is meant to run with, where it came
/// from and how well it did. Property names are snake_case, enums are strings.
/// </summary>
public sealed record ModelCard
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    public required string Version { get; init; }

    public string? Description { get; init; }

    public required UNetConfig Architecture { get; init; }

    public BetaSchedule Schedule { get; init; } = BetaSchedule.Cosine;

    public int Timesteps { get; init; } = 1000;

    /// <summary>Named inference settings (e.g. per modality); <see cref="DefaultProfile"/> names the one used when none is asked for.</summary>
    public IReadOnlyDictionary<string, InferenceProfile> InferenceProfiles { get; init; } = new Dictionary<string, InferenceProfile>();

    public string? DefaultProfile { get; init; }

    public Preprocessing Preprocessing { get; init; } = new();

    public TrainingData? TrainingData { get; init; }

    public Provenance? Provenance { get; init; }

    /// <summary>Evaluation results by metric name (e.g. "dice", "image_auroc"), with the data they were measured on in the description.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The inference profile the <c>reporting.*</c> <see cref="Metrics"/> were measured with, as <c>evaluate --record-in-card</c>
    /// names it. Absent on cards recorded before it existed (the shipped demo's among them): their reporting metrics describe
    /// the card's default profile of the time.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MeasuredProfile? MetricsProfile { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// The slice layout the model expects (<see cref="Preprocessing.SliceOrientation"/>). A card written before the field
    /// existed records none: an import then means the reference's layout, which the authors' weights were trained on
    /// (imports always wanted it, only the field was missing), and anything else means display, the layout of every model
    /// this project trained.
    /// </summary>
    public string ExpectedSliceOrientation() => Preprocessing.SliceOrientation
        ?? (Provenance?.Source == Weights.Provenance.AuthorsCheckpoint ? Preprocessing.ReferenceArrayOrientation : Preprocessing.DisplayOrientation);

    /// <summary>The profile called <paramref name="name"/>, or the default profile when null.</summary>
    public InferenceProfile Profile(string? name = null)
    {
        string key = name ?? DefaultProfile ?? throw new InvalidModelConfigException($"Model card {Name} {Version} names no default inference profile.");
        return InferenceProfiles.TryGetValue(key, out var profile)
            ? profile
            : throw new InvalidModelConfigException($"Model card {Name} {Version} has no inference profile '{key}' (it has: {string.Join(", ", InferenceProfiles.Keys)}).");
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelCard FromJson(string json)
    {
        ModelCard card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(json, JsonOptions) ?? throw new InvalidModelConfigException("The model card is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidModelConfigException($"The model card is not valid: {e.Message}", e);
        }

        if (card.FormatVersion > CurrentFormatVersion)
        {
            throw new InvalidModelConfigException($"Model card format {card.FormatVersion} is newer than this program reads ({CurrentFormatVersion}).");
        }

        card.Validate();
        return card;
    }

    /// <summary>
    /// Throws <see cref="InvalidModelConfigException"/> naming the first part of the card that could not run: the
    /// architecture, a preprocessing size other than the network's, a profile whose options the model cannot run (a blur
    /// kernel that is even, a timestep beyond the schedule, a normative threshold measured at another setting), or a
    /// profile's normative threshold whose per-pixel factors or head template are for another slice size than the model's
    /// (a card whose image_size was edited). Checked when the card is read, so every host refuses such a model at load
    /// rather than failing (and retrying) every scan that asks for the broken profile: hosts warm up only the default one.
    /// </summary>
    public void Validate()
    {
        Architecture.Validate();

        // The worker and detect prepare slices at preprocessing.image_size, evaluate and tune at architecture.image_size:
        // with two sizes the same card would be served at one and measured at the other.
        if (Preprocessing.ImageSize != Architecture.ImageSize)
        {
            throw new InvalidModelConfigException(
                $"Model card {Name} {Version}: preprocessing.image_size {Preprocessing.ImageSize} differs from architecture.image_size {Architecture.ImageSize}; the slices must be prepared at the size the network runs at.");
        }

        foreach (var (name, profile) in InferenceProfiles)
        {
            if (profile.NormativeThreshold is { } normative)
            {
                // The factors apply pixel by pixel to the slices as the network sees them: they must be measured at its size.
                RequirePixels(name, "normative threshold factors", normative.Scale.Length, Architecture.ImageSize);
                if (normative.HeadTemplate is { } template)
                {
                    RequirePixels(name, "normative head template", template.Length, Architecture.ImageSize);
                }
            }

            try
            {
                profile.ToOptions().Validate(Timesteps);
            }
            catch (InvalidOptionException e)
            {
                throw new InvalidModelConfigException($"Model card {Name} {Version}: inference profile '{name}' cannot run: {e.Message}", e);
            }
        }
    }

    private void RequirePixels(string profile, string part, int count, int size)
    {
        if (count != size * size)
        {
            throw new InvalidModelConfigException(
                $"Model card {Name} {Version}: inference profile '{profile}' has {count} {part}, but image_size {size} makes slices of {size * size} pixels; tune the profile again for this size.");
        }
    }
}

/// <summary>One named inference setting: the adaptive process by default (t, blur kernel k, threshold θ, stop rule and δ, stage cap, fusion).</summary>
public sealed record InferenceProfile
{
    public InferenceMode Mode { get; init; } = InferenceMode.Adaptive;

    /// <summary>One t for the single-stage and adaptive modes; the list of stages for the fixed-list mode.</summary>
    public required IReadOnlyList<int> Timesteps { get; init; }

    public required int BlurKernel { get; init; }

    public required double Threshold { get; init; }

    public double StopDelta { get; init; } = InferenceOptions.DefaultStopDelta;

    /// <summary>How δ is applied (<see cref="InferenceOptions.StopRule"/>); the released script's rule when a card omits it.</summary>
    public StopRule StopRule { get; init; } = StopRule.Released;

    /// <summary>
    /// The released rule's denominator floor (<see cref="InferenceOptions.StopFloor"/>); the reference's 500 pixels when a
    /// card omits it. Written only when it is not the reference's, so that every other profile keeps its JSON, and with it
    /// the settings fingerprint that recorded metrics are compared by.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public StopFloor StopFloor { get; init; } = StopFloor.Reference;

    public int MaxStages { get; init; } = InferenceOptions.DefaultMaxStages;

    public FusionMode Fusion { get; init; } = FusionMode.Soft;

    /// <summary>Smallest connected component kept in the map, pixels: the reference's 30 at 128 px; scale it with the model size.</summary>
    public int MinComponentSize { get; init; } = AnomalyMapOptions.DefaultMinComponentSize;

    /// <summary>Noise draws averaged per stage (<see cref="InferenceOptions.NoiseDraws"/>); 1, the reference, when a card omits it.</summary>
    public int NoiseDraws { get; init; } = 1;

    /// <summary>Per-pixel factors of θ (<see cref="InferenceOptions.NormativeThreshold"/>); absent, the reference: one θ everywhere.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NormativeThreshold? NormativeThreshold { get; init; }

    /// <summary>
    /// Fingerprints (salted SHA-256, 16 hex digits; never the ids themselves, which can name patients) of the subjects
    /// <c>synomaly tune</c> chose this profile on, so that <c>evaluate</c> can refuse to report on any of them. Absent on
    /// profiles tuned before it existed, or written by hand.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? TuningSubjects { get; init; }

    /// <summary>
    /// Fingerprints, as <see cref="TuningSubjects"/>, of the subjects whose healthy slices the
    /// <see cref="NormativeThreshold"/> was measured on (<c>tune --normative-data</c>): its per-pixel factors are fitted to
    /// them, so <c>evaluate</c> refuses to report on any of them. Absent where there is no normative threshold, or on
    /// profiles tuned before it existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? NormativeSubjects { get; init; }

    /// <summary>The only per-dataset setting the authors' repository pins down with confidence: ultrasound, adaptive (250, 15, 0.3).</summary>
    public static InferenceProfile ReleasedUltrasound { get; } = new() { Timesteps = [250], BlurKernel = 15, Threshold = 0.3 };

    public InferenceOptions ToOptions(long? seed = null) => new()
    {
        Mode = Mode,
        Timesteps = Timesteps,
        BlurKernel = BlurKernel,
        Threshold = Threshold,
        StopDelta = StopDelta,
        StopRule = StopRule,
        StopFloor = StopFloor,
        MaxStages = MaxStages,
        Fusion = Fusion,
        MinComponentSize = MinComponentSize,
        NoiseDraws = NoiseDraws,
        NormativeThreshold = NormativeThreshold,
        Seed = seed,
    };

    /// <summary>The profile that reproduces <paramref name="options"/> (everything but the seed and stage recording).</summary>
    public static InferenceProfile FromOptions(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new()
        {
            Mode = options.Mode,
            Timesteps = options.Timesteps,
            BlurKernel = options.BlurKernel,
            Threshold = options.Threshold,
            StopDelta = options.StopDelta,
            StopRule = options.StopRule,
            StopFloor = options.StopFloor,
            MaxStages = options.MaxStages,
            Fusion = options.Fusion,
            MinComponentSize = options.MinComponentSize,
            NoiseDraws = options.NoiseDraws,
            NormativeThreshold = options.NormativeThreshold,
        };
    }
}

/// <summary>How a slice becomes model input (ALGORITHM.md 4.1).</summary>
public sealed record Preprocessing
{
    /// <summary>This project's slice layout (Synomaly.Imaging.Presets.SliceOrientationNames.Display).</summary>
    public const string DisplayOrientation = "display";

    /// <summary>The reference's slice layout (Synomaly.Imaging.Presets.SliceOrientationNames.ReferenceArray).</summary>
    public const string ReferenceArrayOrientation = "reference-array";

    public int ImageSize { get; init; } = 128;

    public string Resize { get; init; } = "bilinear, anti-aliased (PIL)";

    public string Intensity { get; init; } = "per-image min-max to [-1, 1]";

    public string? Window { get; init; }

    /// <summary>
    /// The modality the model was trained for ("brain-mri", "liver-ct" or "carotid-us"), when its training stated one: the
    /// pipeline then prepares inputs with that modality's preset unless the caller names another. Null for imported
    /// checkpoints, whose inputs are prepared by the preset the scan's own metadata selects.
    /// </summary>
    public string? Modality { get; init; }

    /// <summary>
    /// How a volume's z slice is laid out as the model input: <see cref="DisplayOrientation"/> (rows are the volume's y,
    /// reversed when that shows anterior up: what <c>synomaly train</c> reads) or <see cref="ReferenceArrayOrientation"/>
    /// (nibabel's <c>data[:, :, z]</c>, rows are x and nothing flipped: what the authors' checkpoints were trained on,
    /// ALGORITHM.md 4.2). New cards record one; cards written before the field existed have none, and
    /// <see cref="ModelCard.ExpectedSliceOrientation"/> then decides from where the weights came from.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SliceOrientation { get; init; }
}

/// <summary>
/// The profile a card's reporting metrics were measured with: its <paramref name="Name"/>, a <paramref name="Fingerprint"/>
/// of the settings measured (16 hex digits of a SHA-256; tune compares it with the settings it writes) and their
/// <paramref name="Settings"/> as the evaluation tables describe them.
/// </summary>
public sealed record MeasuredProfile(string Name, string Fingerprint, string Settings);

/// <summary>What the model was trained on, and under which licence the data (and so the weights) may be used.</summary>
public sealed record TrainingData(string Description, string Licence);

/// <summary>Where the weights came from.</summary>
public sealed record Provenance
{
    /// <summary>The source of weights imported from one of the authors' checkpoints.</summary>
    public const string AuthorsCheckpoint = "authors-checkpoint";

    /// <summary>"authors-checkpoint" for an import, "training" for a model trained by this project.</summary>
    public required string Source { get; init; }

    /// <summary>The SHA-256 of the file the weights were imported from (never its name, which may identify data).</summary>
    public string? SourceSha256 { get; init; }

    public int? Epoch { get; init; }

    public double? Loss { get; init; }

    /// <summary>The training hyper-parameters as recorded with the weights (the authors' args).</summary>
    public JsonObject? TrainingArgs { get; init; }

    public DateTimeOffset CreatedUtc { get; init; }

    public string? Tool { get; init; }
}
