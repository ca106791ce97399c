namespace Synomaly.Cli.Commands;

/// <summary>
/// Progress for a library loop that reports after each item but takes no cancellation token (EvaluationSetVerification's
/// rebuild reports each file it has built): it passes each report on at once, on the loop's thread, and once
/// <paramref name="cancellationToken"/> is cancelled throws <see cref="OperationCanceledException"/> from
/// <see cref="Report"/> instead, which stops the loop at the end of the item in progress. (<see cref="Progress{T}"/> posts
/// its reports to the thread pool, where a throw would stop nothing.)
/// </summary>
public sealed class CancellingProgress<T>(Action<T> report, CancellationToken cancellationToken) : IProgress<T>
{
    public void Report(T value)
    {
        cancellationToken.ThrowIfCancellationRequested();
        report(value);
    }
}
