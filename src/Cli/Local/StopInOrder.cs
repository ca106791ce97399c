using System.Runtime.ExceptionServices;

namespace Synomaly.Cli.Local;

/// <summary>
/// Runs the stop steps of a local run (the worker, the trigger host, Azurite) in order, each even when one before it
/// failed: a worker whose stop threw (a `kill` that could not start) left the trigger host and Azurite running, holding
/// the state folder's ports and data for nobody. The first failure is rethrown once every step has run.
/// </summary>
public static class StopInOrder
{
    public static async Task RunAsync(params Func<ValueTask>[] steps)
    {
        ExceptionDispatchInfo? first = null;
        foreach (var step in steps)
        {
            try
            {
                await step();
            }
            catch (Exception e)
            {
                first ??= ExceptionDispatchInfo.Capture(e);
            }
        }

        first?.Throw();
    }
}
