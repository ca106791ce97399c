namespace Synomaly.Evaluation;

/// <summary>
/// An evaluation set that cannot be built as given: <see cref="Problem"/> says what is wrong and <see cref="File"/> names
/// the file (or the input as the user wrote it) it is wrong with, so that a run stops before any inference, with the reason.
/// </summary>
public sealed class EvaluationSetException(EvaluationSetProblem problem, string file, string message) : Exception(message)
{
    public EvaluationSetProblem Problem { get; } = problem;

    /// <summary>The file (or input) the problem is with.</summary>
    public string File { get; } = file;
}

/// <summary>What is wrong with the inputs of an evaluation set.</summary>
public enum EvaluationSetProblem
{
    /// <summary>An input names no file (an empty folder, a pattern that matches nothing, an empty manifest).</summary>
    EmptySet,

    /// <summary>An anomalous image has no mask.</summary>
    MissingMask,

    /// <summary>Two anomalous images (or two masks) share a file name stem, so masks cannot be paired by it.</summary>
    AmbiguousPairing,

    /// <summary>A scan is in both the healthy and the anomalous set.</summary>
    InBothSets,

    /// <summary>A mask is also an image of the set (the mask folder lies inside the images' folder, or the reverse).</summary>
    MaskAmongImages,

    /// <summary>A mask does not lie on its image's grid (size, slices, orientation, or a PNG mask for a volume).</summary>
    MaskGridMismatch,

    /// <summary>A single-slice anomalous image whose mask marks nothing on the model grid.</summary>
    EmptyMask,

    /// <summary>The anomalous set holds no slice with a lesion once the preset has selected its slices.</summary>
    EmptyAnomalousSet,

    /// <summary>The preset selected no slice of a file (a CT slice outside the body, for example).</summary>
    NoSliceSelected,

    /// <summary>The model's modality gives synthetic lesions no place to go (ultrasound): its sets must be given with masks.</summary>
    SyntheticLesionsUnsupported,

    /// <summary>A file of the set is not a scan the reader can use (a notes file beside the slices, a truncated scan).</summary>
    UnreadableScan,
}
