namespace Synomaly.Cli.Local;

/// <summary>
/// Stops what a failed start-up of `up` or `demo` had started without letting a failure of that stop take the start-up's
/// place: the start-up's error is what the user has to act on, so it stays the error the run ends with (its line and exit
/// code); the cleanup's failure is added on stderr.
/// </summary>
internal static class FailedStartCleanup
{
    /// <summary>Runs <paramref name="cleanUp"/>; a failure of it is told on stderr and goes no further.</summary>
    public static async Task RunAsync(Func<Task> cleanUp)
    {
        try
        {
            await cleanUp();
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"synomaly: stopping what the failed start-up had started failed too: {ErrorLine.PathFree(e)}");
        }
    }
}
