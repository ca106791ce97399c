namespace Synomaly.Diffusion.Weights;

/// <summary>A weight file that cannot be read, or whose tensors do not fit the model: the message names the file part or key.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException()
    {
    }

    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
