using Synomaly.Imaging;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// Reads one file of an evaluation set. A file the reader rejects (a notes file or a viewer's index beside the slices, a
/// truncated scan) stops the set as <see cref="EvaluationSetProblem.UnreadableScan"/>, naming the input it was given with
/// and the reader's reason: the reason alone ("Unknown format") said neither which input held the file nor what to do.
/// Never the file's name: file names can carry patient data, and these lines are pasted into tickets. A file the file
/// system refuses (no permission, a link to nowhere) is told by the input too (<see cref="InputReads"/>).
/// </summary>
internal static class SetScanReader
{
    /// <param name="set">The input the file was given with, as the user wrote it (--data, --healthy, ...).</param>
    public static Volume Read(string file, string set, ScanReadOptions reading)
    {
        try
        {
            return InputReads.Guard(set, () => ScanReader.ReadFile(file, reading));
        }
        catch (ScanRejectedException e)
        {
            throw new EvaluationSetException(
                EvaluationSetProblem.UnreadableScan, file, $"A file of {set} cannot be used ({e.Code}: {e.Message}): keep only readable scans there, or list them in a .txt manifest.");
        }
    }
}
