namespace Synomaly.Diffusion.Training;

/// <summary>The cleanup of a constructor that failed part way, shared by the trainer and its reduced-precision replica.</summary>
internal static class FailedConstruction
{
    /// <summary>
    /// Runs <paramref name="release"/> for a constructor that failed, a failure of the release itself dropped: thrown from
    /// the constructor's catch, it would replace the failure that stopped the construction (the out-of-memory that says
    /// what to change) with its consequence, a release on the same broken device. What the release could not free is
    /// left to the finalizer.
    /// </summary>
    public static void ReleaseKeepingTheFailure(Action release)
    {
        try
        {
            release();
        }
        catch (Exception)
        {
            // Dropped on purpose (see the summary): the constructor's own catch rethrows the first failure.
        }
    }
}
