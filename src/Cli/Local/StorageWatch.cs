namespace Synomaly.Cli.Local;

/// <summary>
/// Runs storage calls while asking, every <c>interval</c>, whether Azurite still runs. A call made on an Azurite that has
/// died does not fail at once: the Azure SDK retries "Connection refused" six times, about 40 s, before it gives up, so a
/// start-up whose Azurite died told the user so only after that wait. Watched, the calls are cancelled as soon as Azurite
/// is found gone, and the caller tells the stop as it always did.
/// </summary>
public static class StorageWatch
{
    /// <summary>How often start-up asks whether Azurite still runs (scripts/azurite.sh status takes a few milliseconds).</summary>
    public static readonly TimeSpan StartUpInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Runs <paramref name="work"/> to its end, unless <paramref name="isRunning"/> says Azurite has stopped before then: the
    /// work is cancelled, and an <see cref="InvalidOperationException"/> saying so is thrown in its place (the work's own
    /// failure on a dead emulator is the SDK's "Connection refused", which says nothing more). When the question itself
    /// fails, nothing is known about Azurite, and the work is left to end on its own.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task RunAsync(Func<CancellationToken, Task> work, Func<Task<bool>> isRunning, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(isRunning);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = work(stop.Token);
        while (true)
        {
            if (await Task.WhenAny(calls, Task.Delay(interval, cancellationToken)) == calls || cancellationToken.IsCancellationRequested)
            {
                // Finished, failed on its own, or cancelled by the caller (the linked token stops it): its outcome is the answer.
                await calls;
                return;
            }

            bool running;
            try
            {
                running = await isRunning();
            }
            catch (Exception)
            {
                // Unknown is not stopped: the calls end as they would have without the watch.
                await calls;
                return;
            }

            if (!running)
            {
                await stop.CancelAsync();
                try
                {
                    await calls;
                }
                catch (Exception)
                {
                    // Cancelled, or refused by the dead emulator: either way the reason is the one thrown below.
                }

                throw new InvalidOperationException("Azurite stopped while storage calls were made to it (scripts/azurite.sh status); they were cancelled rather than retried.");
            }
        }
    }
}
