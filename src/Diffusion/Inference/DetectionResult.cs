namespace Synomaly.Diffusion.Inference;

/// <summary>
/// What inference gives for a batch of slices, on the CPU (row-major, slice after slice, each <see cref="Height"/> ×
/// <see cref="Width"/>): the reconstruction (the healthy counterfactual, in [−1, 1]), the continuous anomaly map, the binary
/// mask (map ≠ 0), the image score (mask pixel count) and the number of stages each slice ran.
/// </summary>
public sealed class DetectionResult
{
    public DetectionResult(int count, int height, int width, float[] reconstructions, float[] maps, long[] scores, int[] stagesRun, IReadOnlyList<StageRecord> stages)
    {
        long pixels = (long)count * height * width;
        if (reconstructions.LongLength != pixels || maps.LongLength != pixels || scores.Length != count || stagesRun.Length != count)
        {
            throw new ArgumentException("The result arrays do not match the batch shape.");
        }

        Count = count;
        Height = height;
        Width = width;
        Reconstructions = reconstructions;
        Maps = maps;
        Scores = scores;
        StagesRun = stagesRun;
        Stages = stages;
    }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    public int PixelsPerSlice => Height * Width;

    /// <summary>[Count, H, W] reconstructions x̂ (the counterfactuals).</summary>
    public float[] Reconstructions { get; }

    /// <summary>[Count, H, W] continuous anomaly maps A.</summary>
    public float[] Maps { get; }

    /// <summary>Image-level scores: the number of anomalous pixels of each slice.</summary>
    public long[] Scores { get; }

    /// <summary>How many stages each slice ran.</summary>
    public int[] StagesRun { get; }

    /// <summary>
    /// Per slice: true where the options carried a normative threshold but the slice's head did not line up with its head
    /// template, so the map used the reference's single θ there (<see cref="NormativeThreshold.MinHeadCorrelation"/>). All
    /// false otherwise.
    /// </summary>
    public bool[] NormativeFallback
    {
        get => _normativeFallback ?? new bool[Count];
        init => _normativeFallback = value?.Length == Count ? value : throw new ArgumentException("One fallback flag per slice is required.", nameof(value));
    }

    private readonly bool[]? _normativeFallback;

    /// <summary>Every stage's reconstructions and maps when <see cref="InferenceOptions.RecordStages"/> was set; empty otherwise.</summary>
    public IReadOnlyList<StageRecord> Stages { get; }

    public ReadOnlySpan<float> Reconstruction(int slice) => Reconstructions.AsSpan(Offset(slice), PixelsPerSlice);

    public ReadOnlySpan<float> Map(int slice) => Maps.AsSpan(Offset(slice), PixelsPerSlice);

    /// <summary>The binary mask of one slice: map ≠ 0.</summary>
    public bool[] Mask(int slice)
    {
        var map = Map(slice);
        var mask = new bool[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            mask[i] = map[i] != 0;
        }

        return mask;
    }

    private int Offset(int slice)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slice);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slice, Count);
        return slice * PixelsPerSlice;
    }
}

/// <summary>
/// One stage of a batch: <see cref="Ran"/> tells which slices ran it; <see cref="Reconstructions"/> and <see cref="Maps"/>
/// ([Count, H, W]) are zero for the slices that had already stopped, as in the reference fixtures.
/// </summary>
public sealed record StageRecord(int Timestep, bool[] Ran, float[] Reconstructions, float[] Maps);
