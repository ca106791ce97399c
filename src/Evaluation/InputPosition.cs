using System.Globalization;

namespace Synomaly.Evaluation;

/// <summary>
/// Points at one file of an input without naming it: "file 3 of 12 in --anomalous", counted in the order the input lists
/// its files (<see cref="InputFiles"/>: a folder's or pattern's files sorted by path, a manifest's in its order). Messages
/// say this instead of the path: folder and file names can carry patient names, and these lines are pasted into tickets.
/// The user finds the file by listing the input.
/// </summary>
internal static class InputPosition
{
    /// <param name="index">The file's index in its input's listing, from 0.</param>
    /// <param name="count">How many files the input lists.</param>
    /// <param name="input">The option or argument the input was given to, as the user typed it (--anomalous).</param>
    public static string Of(int index, int count, string input) =>
        string.Create(CultureInfo.InvariantCulture, $"file {index + 1} of {count} in {input}");
}
