namespace Synomaly.Diffusion;

/// <summary>
/// An option of the method (noise, map or inference parameters) has an invalid value; <see cref="ArgumentException.ParamName"/>
/// names it, <see cref="Reason"/> says what is wrong and <see cref="Value"/> holds the value, so that a caller (the command
/// line) can name the value by the option its user typed instead of the property.
/// </summary>
public sealed class InvalidOptionException : ArgumentException
{
    public InvalidOptionException(string option, object? value, string message)
        : base($"{message} ({option} = {value ?? "null"})", option)
    {
        Value = value;
        Reason = message;
    }

    public InvalidOptionException()
    {
    }

    public InvalidOptionException(string message)
        : base(message)
    {
    }

    public InvalidOptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The rejected value.</summary>
    public object? Value { get; }

    /// <summary>What is wrong with <see cref="Value"/>, without the option and value that the message adds; null when not given.</summary>
    public string? Reason { get; }
}
