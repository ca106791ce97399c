namespace Synomaly.Diffusion;

/// <summary>An option of the method (noise, map or inference parameters) has an invalid value; <see cref="ArgumentException.ParamName"/> names it.</summary>
public sealed class InvalidOptionException : ArgumentException
{
    public InvalidOptionException(string option, object? value, string message)
        : base($"{message} ({option} = {value ?? "null"})", option)
    {
        Value = value;
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
}
