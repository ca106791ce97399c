namespace Synomaly.Diffusion.Model;

/// <summary>A UNet configuration that the reference would reject, or that no model can be built from.</summary>
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
}
