namespace Synomaly.Evaluation;

/// <summary>Which pixels of a slice an evaluated map may mark.</summary>
public enum MapRegion
{
    /// <summary>
    /// The preset's foreground (the imaged object, <see cref="EvaluationCase.Foreground"/>), as the worker serves maps: the
    /// numbers describe what users receive. The default.
    /// </summary>
    Foreground,

    /// <summary>The whole slice, as the engine computes it; every table published before session 21 was made this way.</summary>
    WholeSlice,
}
