using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// One evaluation slice at model resolution: the model input in [-1, 1], its ground-truth mask (all false for healthy
/// slices), and where it came from: the source file and, for inserted lesions, the synthesis parameters; for a lesion
/// given with the scan (<see cref="GivenSets"/>), the mask file <paramref name="TruthSource"/>. <paramref name="Foreground"/>
/// is the preset's mask of the imaged object (<c>ModelSlice.Foreground</c>), to which the worker restricts every map it
/// serves; null where no preset made the case.
/// </summary>
public sealed record EvaluationCase(string Id, string Source, float[] Input, bool[] Truth, LesionParameters? Lesion, string? TruthSource = null, bool[]? Foreground = null)
{
    public bool IsAnomalous => Lesion is not null || TruthSource is not null;

    public int TruthArea => Truth.Count(t => t);
}
