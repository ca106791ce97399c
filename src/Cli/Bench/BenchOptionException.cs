namespace Synomaly.Cli.Bench;

/// <summary>A `synomaly bench` option has an invalid value; <see cref="ArgumentException.ParamName"/> names the option (e.g. --batch-sizes).</summary>
public sealed class BenchOptionException : ArgumentException
{
    private readonly string? _text;

    public BenchOptionException(string option, string message)
        : base($"{option}: {message}", option)
    {
        _text = $"{option}: {message}";
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

    /// <summary>"--option: what is wrong", without ArgumentException's "(Parameter ...)" suffix: the option already leads.</summary>
    public override string Message => _text ?? base.Message;
}
