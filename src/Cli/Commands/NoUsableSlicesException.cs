using System.Globalization;
using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// train was given data of which no slice can be trained on. The message counts the files by the reason they gave none
/// (the reader's rejection code, or no slice the preset keeps), so that a wrong folder or format is told apart from bad files.
/// It never quotes the input: folder names can carry patient names (detect's line for an empty folder names none either).
/// </summary>
public sealed class NoUsableSlicesException : Exception
{
    public NoUsableSlicesException(int files, TrainingSet set)
        : base(Describe(files, set))
    {
    }

    private static string Describe(int files, TrainingSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (files == 0)
        {
            return "No usable slice: the folder, pattern or manifest given to <input> names no file.";
        }

        var reasons = set.Skipped
            .GroupBy(skipped => skipped.Code)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"))
            .ToList();
        int withoutSlice = files - set.Skipped.Count;
        if (withoutSlice > 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{withoutSlice} read but with no slice the preset keeps (blank or outside the imaged area)"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"No usable slice in the training data ({files} files): {string.Join(", ", reasons)}.");
    }
}
