namespace Synomaly.Cli.Commands;

/// <summary>
/// How a command that Ctrl-C or SIGTERM cancelled ends: one line on stderr saying what was not written, and exit code 130,
/// as train, tune and evaluate end (docs/ENGINE.md, Cancellation). A report written from half a run would look complete,
/// so the commands that use this write theirs only after the last measurement or check.
/// </summary>
public static class CommandCancellation
{
    /// <summary>128 + SIGINT, as a shell reports an interrupted command; SIGTERM ends a command the same way.</summary>
    public const int ExitCode = 130;

    /// <summary>Runs <paramref name="work"/>; when it stops because <paramref name="cancellationToken"/> was cancelled, says what <paramref name="verb"/> left unwritten.</summary>
    public static int Run(string verb, string leftUnwritten, Func<int> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            return work();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"cancelled: {verb} stopped before the end; {leftUnwritten}");
            return ExitCode;
        }
    }
}
