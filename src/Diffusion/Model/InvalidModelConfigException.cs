namespace Synomaly.Diffusion.Model;

/// <summary>
/// A UNet configuration that the reference would reject, or that no model can be built from. <see cref="Argument"/> names
/// the <see cref="UNetConfig"/> property at fault where one is, so that a caller that set it from an option (train's
/// --model-channels) can name that option instead.
/// </summary>
public sealed class InvalidModelConfigException : Exception
{
    public InvalidModelConfigException()
    {
    }

    public InvalidModelConfigException(string message)
        : base(message)
    {
    }

    public InvalidModelConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="argument">The <see cref="UNetConfig"/> property at fault (nameof(UNetConfig.ModelChannels)).</param>
    public InvalidModelConfigException(string message, string argument)
        : base(message)
    {
        Argument = argument;
    }

    /// <summary>The <see cref="UNetConfig"/> property at fault, or null where the problem is not one property's.</summary>
    public string? Argument { get; }
}
