namespace Synomaly.Evaluation;

/// <summary>
/// A fresh training run was asked to write into a folder that already holds another run's results (an exported model or a
/// loss curve) without the checkpoint that would let it resume: training there would overwrite them. <see cref="Folder"/>
/// is the output folder; the message names what it holds and how to proceed.
/// </summary>
public sealed class TrainingOutputInUseException(string folder, string message) : InvalidOperationException(message)
{
    /// <summary>The output folder as given.</summary>
    public string Folder { get; } = folder;
}
