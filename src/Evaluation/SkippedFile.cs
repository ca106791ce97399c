using Synomaly.Imaging;

namespace Synomaly.Evaluation;

/// <summary>A file a training set could not take in: its path, the reader's typed reason and its message.</summary>
public sealed record SkippedFile(string File, ScanRejectionCode Code, string Message)
{
    public override string ToString() => $"{File}: {Code}: {Message}";
}
