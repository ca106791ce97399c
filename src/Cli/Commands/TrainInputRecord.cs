using System.Globalization;
using System.Text.Json;
using Synomaly.Diffusion.Training;

namespace Synomaly.Cli.Commands;

/// <summary>
/// How many files a train run's input listed, kept in its output folder (<c>training-input.json</c>) so that a resume on
/// other data is refused from the listing, before any file is decoded: a usage error (exit 2) naming the input and both
/// counts. The checkpoint records only the epoch's image count, the slices left after blank ones are dropped, which is
/// known only once every file is decoded (a volume gives many slices, a blank image none). Files are counted, not
/// named: a run resumed on another machine (scripts/gpu-pack.sh) lists the same files under other paths.
/// </summary>
/// <remarks>
/// Only runs that take their batches by epoch are held to it, as the trainer holds only those: one that draws with
/// replacement has no epoch to continue. A checkpoint without a record (from before it was kept, or an unreadable one)
/// resumes unchecked by it, and the trainer's image count still refuses other data once it is decoded.
/// </remarks>
public static class TrainInputRecord
{
    public const string FileName = "training-input.json";

    /// <summary>Refuses a resume from <paramref name="checkpointDirectory"/> whose input lists another number of files than the run recorded.</summary>
    public static void Require(string output, string checkpointDirectory, BatchSampling sampling, int files)
    {
        if (sampling != BatchSampling.Epoch || !TrainingCheckpoint.Exists(checkpointDirectory) || Recorded(output) is not { } recorded || recorded == files)
        {
            return;
        }

        throw new UsageException(string.Create(
            CultureInfo.InvariantCulture,
            $"input: The checkpoint in the output folder was trained on {recorded} training files, the run lists {files}: resume with the same training data, or train into a new output folder."));
    }

    /// <summary>Records the number of files a run's input lists, for its later resumes.</summary>
    public static void Write(string output, int files)
    {
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, FileName), JsonSerializer.Serialize(new Record(files)));
    }

    /// <summary>Whether <paramref name="output"/> holds a record.</summary>
    public static bool Exists(string output) => File.Exists(Path.Combine(output, FileName));

    private static int? Recorded(string output)
    {
        string path = Path.Combine(output, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Record>(File.ReadAllText(path))?.Files;
        }
        catch (JsonException)
        {
            // Damaged (a disk that filled): no record, as for an older checkpoint; the trainer's own check still applies.
            return null;
        }
    }

    private sealed record Record(int Files);
}
