using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// Keeps train's own output folder out of its input. An --out inside the data folder (`train . --out run1`, run from the
/// data folder) added the run's loss curve, model and checkpoint to the listing from the second sitting on: the same
/// command's resume was refused for a changed file count, and loss.png is a PNG a looser check would have trained on as
/// a scan. What train writes is never training data, wherever the folder lies.
/// </summary>
internal static class TrainRunFolder
{
    /// <summary>
    /// <paramref name="files"/> without those in <paramref name="output"/>, compared as listed (no link followed): the
    /// listing names the run's files by the path the data folder gives them.
    /// </summary>
    public static IReadOnlyList<string> LeftOutOf(IReadOnlyList<string> files, string output) =>
        [.. files.Where(file => !PathContainment.Contains(output, file))];
}
