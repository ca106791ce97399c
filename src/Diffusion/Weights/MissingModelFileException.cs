namespace Synomaly.Diffusion.Weights;

/// <summary>
/// A file a saved model needs (its card, its weights) is not in the folder given as the model, or one the authors' reference
/// model needs (its checkpoint, its adaptive runs' meta file) is not in the reference folder. The message names the file
/// by its name in the package (model-card.json) and never the folder's path, so callers may show it as it is; the path is
/// <see cref="FileNotFoundException.FileName"/>.
/// </summary>
public sealed class MissingModelFileException : FileNotFoundException
{
    public MissingModelFileException()
    {
    }

    public MissingModelFileException(string message)
        : base(message)
    {
    }

    public MissingModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MissingModelFileException(string message, string fileName)
        : base(message, fileName)
    {
    }
}
