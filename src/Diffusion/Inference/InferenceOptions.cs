using Synomaly.Diffusion.Maps;

namespace Synomaly.Diffusion.Inference;

/// <summary>
/// One inference configuration (ALGORITHM.md 3): the mode, its timestep(s), the anomaly-map parameters (blur kernel k,
/// threshold θ, minimum component size) and, for the adaptive mode, the stop rule and its threshold δ, the stage cap and the
/// fusion.
/// The stage noise is reproducible on one device: by default each slice draws from its own generator seeded from its
/// pixels (<see cref="NoiseSeeding"/>), salted with <see cref="Seed"/>.
/// </summary>
public sealed record InferenceOptions
{
    /// <summary>The released script's δ (its <c>__main__</c>; <c>run_inference</c>'s own default of 100 stops after one stage).</summary>
    public const double DefaultStopDelta = 0.01;

    /// <summary>The released script's stage cap.</summary>
    public const int DefaultMaxStages = 5;

    /// <summary>
    /// A stop threshold that never stops a slice early (the rule's left side is never negative): every slice runs
    /// <see cref="MaxStages"/> stages. This is the adaptive process's worst case, which benchmarks measure.
    /// </summary>
    public const double NeverStopDelta = -1;

    /// <summary>The released stop rule's denominator floor: |Δcount| / max(previous count, 500) (<see cref="StopRule.Released"/>).</summary>
    public const int StopDenominatorFloor = 500;

    /// <summary>The slice size the released floor was written for, 128×128 (<see cref="StopFloor.AreaScaled"/> scales from it).</summary>
    public const int ReferenceSlicePixels = 128 * 128;

    /// <summary>The blur kernel of the authors' fixed map: the figure notebook's fusion mask, the older script's stop counts.</summary>
    public const int NotebookFusionKernel = 3;

    /// <summary>The threshold of the authors' fixed map (<see cref="FusionMode.Notebook"/>, <see cref="FusionMode.None"/>).</summary>
    public const double NotebookFusionThreshold = 0.1;

    /// <summary>The most noise draws per stage: each multiplies the batch the network sees.</summary>
    public const int MaxNoiseDraws = 64;

    public required InferenceMode Mode { get; init; }

    /// <summary>One t for the single-stage and adaptive modes, the list of stages for <see cref="InferenceMode.FixedStages"/>.</summary>
    public required IReadOnlyList<int> Timesteps { get; init; }

    public required int BlurKernel { get; init; }

    public required double Threshold { get; init; }

    public int MinComponentSize { get; init; } = AnomalyMapOptions.DefaultMinComponentSize;

    /// <summary>The stop threshold δ; a negative value (<see cref="NeverStopDelta"/>) runs every slice to <see cref="MaxStages"/>.</summary>
    public double StopDelta { get; init; } = DefaultStopDelta;

    /// <summary>How δ is applied: the released script's rule (the default) or the paper figure's (<see cref="Inference.StopRule"/>).</summary>
    public StopRule StopRule { get; init; } = StopRule.Released;

    /// <summary>The released rule's denominator floor: the reference's 500 pixels (the default) or 500 scaled by the slice's area.</summary>
    public StopFloor StopFloor { get; init; } = StopFloor.Reference;

    public int MaxStages { get; init; } = DefaultMaxStages;

    public FusionMode Fusion { get; init; } = FusionMode.Soft;

    /// <summary>Salts the per-slice seeds (null: 0), or seeds the batch's generator under <see cref="NoiseSeeding.Batch"/> (null: a fresh seed per call).</summary>
    public long? Seed { get; init; }

    /// <summary>Where the stage noise comes from; <see cref="NoiseSeeding.PerSlice"/> makes a slice's noise independent of its batch.</summary>
    public NoiseSeeding NoiseSeeding { get; init; } = NoiseSeeding.PerSlice;

    /// <summary>
    /// Independent noise draws per stage whose one-step reconstructions are averaged before the map is made (1: the reference,
    /// one draw). Not in the authors' method: averaging several draws lowers the variance of x̂0, so healthy tissue that one
    /// draw happens to reconstruct badly no longer lights up the map. Costs one network pass per draw (batched).
    /// </summary>
    public int NoiseDraws { get; init; } = 1;

    /// <summary>Per-pixel factors of θ measured on healthy training slices (an extension); null, the reference: one θ everywhere.</summary>
    public NormativeThreshold? NormativeThreshold { get; init; }

    /// <summary>Keep every stage's reconstruction and map in the result (for per-stage metrics and parity checks).</summary>
    public bool RecordStages { get; init; }

    public AnomalyMapOptions MapOptions => new(BlurKernel, Threshold, MinComponentSize, NormativeThreshold?.Scale);

    /// <summary>
    /// The fixed map whose mask weights <see cref="FusionMode.Notebook"/> fusion and whose count drives the stop rule under
    /// <see cref="FusionMode.None"/> (the other modes use <see cref="MapOptions"/> for both).
    /// </summary>
    public AnomalyMapOptions NotebookFusionMapOptions => new(NotebookFusionKernel, NotebookFusionThreshold, MinComponentSize);

    /// <summary>
    /// The one-stage counterpart of these options: the first t, blur kernel, threshold, component size, stop rule, fusion, seed,
    /// noise draws and normative threshold kept, so that a single-stage figure beside a multi-stage one differs only in the stages run.
    /// </summary>
    public InferenceOptions AsSingleStage() => this with { Mode = InferenceMode.SingleStage, Timesteps = [Timesteps[0]] };

    /// <summary>
    /// The settings in one line, as tables, reports and bench results name them: mode and timesteps, k, θ, the adaptive
    /// process's stop rule, stage cap and fusion, the minimum component and (where not the reference's) the noise draws and
    /// the normative threshold.
    /// </summary>
    public string Describe() => Mode switch
    {
        InferenceMode.FixedStages => FormattableString.Invariant($"fixed [{string.Join(',', Timesteps)}], k={BlurKernel}, θ={Threshold:0.###}"),
        InferenceMode.Adaptive => FormattableString.Invariant($"adaptive t={Timesteps[0]}, k={BlurKernel}, θ={Threshold:0.###}, δ={StopDelta}, {DescribeStopRule()}≤{MaxStages} stages, {DescribeFusion()}"),
        _ => FormattableString.Invariant($"single t={Timesteps[0]}, k={BlurKernel}, θ={Threshold:0.###}"),
    } + FormattableString.Invariant($", min component {MinComponentSize} px") + (NoiseDraws == 1 ? "" : FormattableString.Invariant($", {NoiseDraws} noise draws"))
        + (NormativeThreshold is null ? "" : FormattableString.Invariant($", normative θ (α={NormativeThreshold.Alpha:0.##})"))
        + (NoiseSeeding == NoiseSeeding.Batch ? ", batch-seeded noise" : "");

    private string DescribeStopRule() => StopRule switch
    {
        StopRule.Paper => "paper stop rule, ",
        _ => StopFloor == StopFloor.AreaScaled ? "area-scaled stop floor, " : "",
    };

    private string DescribeFusion() => Fusion switch
    {
        FusionMode.Notebook => FormattableString.Invariant($"Notebook fusion (binary k={NotebookFusionKernel}, θ={NotebookFusionThreshold} map)"),
        FusionMode.None => FormattableString.Invariant($"no fusion (stop counts of a binary k={NotebookFusionKernel}, θ={NotebookFusionThreshold} map)"),
        _ => $"{Fusion} fusion",
    };

    public static InferenceOptions SingleStage(int t, int blurKernel, double threshold) =>
        new() { Mode = InferenceMode.SingleStage, Timesteps = [t], BlurKernel = blurKernel, Threshold = threshold };

    public static InferenceOptions FixedStages(IReadOnlyList<int> timesteps, int blurKernel, double threshold) =>
        new() { Mode = InferenceMode.FixedStages, Timesteps = timesteps, BlurKernel = blurKernel, Threshold = threshold };

    public static InferenceOptions Adaptive(int t, int blurKernel, double threshold, double stopDelta = DefaultStopDelta) =>
        new() { Mode = InferenceMode.Adaptive, Timesteps = [t], BlurKernel = blurKernel, Threshold = threshold, StopDelta = stopDelta };

    /// <summary>The most stages any slice can run.</summary>
    public int StageLimit => Mode switch
    {
        InferenceMode.SingleStage => 1,
        InferenceMode.FixedStages => Timesteps.Count,
        _ => MaxStages,
    };

    /// <summary>Throws a typed error naming the first invalid value, given the diffusion's number of timesteps.</summary>
    public void Validate(int diffusionTimesteps)
    {
        MapOptions.Validate();
        if (!Enum.IsDefined(Mode))
        {
            throw new InvalidOptionException(nameof(Mode), Mode, "Unknown inference mode.");
        }

        if (!Enum.IsDefined(Fusion))
        {
            throw new InvalidOptionException(nameof(Fusion), Fusion, "Unknown fusion mode.");
        }

        if (!Enum.IsDefined(StopRule))
        {
            throw new InvalidOptionException(nameof(StopRule), StopRule, "Unknown stop rule.");
        }

        if (!Enum.IsDefined(StopFloor))
        {
            throw new InvalidOptionException(nameof(StopFloor), StopFloor, "Unknown stop floor.");
        }

        if (!Enum.IsDefined(NoiseSeeding))
        {
            throw new InvalidOptionException(nameof(NoiseSeeding), NoiseSeeding, "Unknown noise seeding.");
        }

        if (Timesteps is null || Timesteps.Count == 0 || (Mode != InferenceMode.FixedStages && Timesteps.Count != 1))
        {
            throw new InvalidOptionException(nameof(Timesteps), Timesteps?.Count, $"{Mode} inference takes {(Mode == InferenceMode.FixedStages ? "at least one timestep" : "exactly one timestep")}.");
        }

        foreach (int t in Timesteps)
        {
            if (t < 0 || t >= diffusionTimesteps)
            {
                throw new InvalidOptionException(nameof(Timesteps), t, $"Timesteps are indices 0..{diffusionTimesteps - 1}.");
            }
        }

        if (MaxStages < 1)
        {
            throw new InvalidOptionException(nameof(MaxStages), MaxStages, "At least one stage is required.");
        }

        if (NoiseDraws is < 1 or > MaxNoiseDraws)
        {
            throw new InvalidOptionException(nameof(NoiseDraws), NoiseDraws, $"Noise draws per stage are 1..{MaxNoiseDraws}.");
        }

        NormativeThreshold?.Validate();
        if (NormativeThreshold is { } normative && (normative.Timestep, normative.BlurKernel, normative.NoiseDraws) != (Timesteps[0], BlurKernel, NoiseDraws))
        {
            throw new InvalidOptionException(
                nameof(NormativeThreshold),
                FormattableString.Invariant($"t={normative.Timestep}, k={normative.BlurKernel}, {normative.NoiseDraws} draws"),
                FormattableString.Invariant($"The normative threshold was measured at another setting than t={Timesteps[0]}, k={BlurKernel}, {NoiseDraws} draws; tune again with --normative-data."));
        }

        if (!double.IsFinite(StopDelta))
        {
            throw new InvalidOptionException(nameof(StopDelta), StopDelta, "The stop threshold must be a finite number (negative: never stop early).");
        }
    }

    /// <summary>
    /// Whether one slice stops after a stage, by <see cref="StopRule"/>, given the non-zero count of its previous stage's map
    /// (null after the first stage, which has none) and of this stage's map, and the slice's pixel count H·W.
    /// </summary>
    public bool ShouldStop(long? previousCount, long count, long pixels) => StopRule switch
    {
        StopRule.Paper => previousCount is { } previous && PaperChange(previous, count) < StopDelta,

        // The released script starts from an all-ones map, so stage 1 compares with H·W.
        _ => Math.Abs((previousCount ?? pixels) - count) / Math.Max(previousCount ?? pixels, StopFloorFor(pixels)) <= StopDelta,
    };

    /// <summary>The released rule's denominator floor for a slice of <paramref name="pixels"/> pixels, by <see cref="StopFloor"/>.</summary>
    public double StopFloorFor(long pixels) => StopFloor == StopFloor.AreaScaled
        ? StopDenominatorFloor * (double)pixels / ReferenceSlicePixels
        : StopDenominatorFloor;

    /// <summary>|Σm_n − Σm_{n−1}| / Σm_{n−1}, with an empty previous map taken at its limit (<see cref="StopRule.Paper"/>).</summary>
    private static double PaperChange(long previous, long count) => previous == 0
        ? (count == 0 ? 0 : double.PositiveInfinity)
        : Math.Abs(previous - count) / (double)previous;
}
