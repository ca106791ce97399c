namespace Synomaly.Cli.Local;

/// <summary>
/// A local verb (up, demo, soak, bench's default model) cannot run from here: not inside the repository, a host not built,
/// no scans in demo's samples folder. Its message names no path the user gave and tells what to do, so the command
/// runner prints it as it is. Not the DirectoryNotFoundException or FileNotFoundException these once were: the runner
/// tells .NET's file-system failures without their message, which quotes a path (<see cref="FileErrorReason.MayQuoteAPath"/>).
/// </summary>
public sealed class LocalSetupException : Exception
{
    public LocalSetupException()
    {
    }

    public LocalSetupException(string message)
        : base(message)
    {
    }

    public LocalSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
