namespace Synomaly.Cli.Bench;

/// <summary>
/// A `synomaly bench` option has an invalid value; <see cref="ArgumentException.ParamName"/> names the option (e.g. --batch-sizes),
/// which also leads the message. The command runner prints it without .NET's "(Parameter ...)" suffix (<see cref="ErrorLine"/>).
/// </summary>
public sealed class BenchOptionException : ArgumentException
{
    public BenchOptionException(string option, string message)
        : base($"{option}: {message}", option)
    {
    }

    public BenchOptionException()
    {
    }

    public BenchOptionException(string message)
        : base(message)
    {
    }

    public BenchOptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
