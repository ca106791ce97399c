using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// Where an expiry sweep stopped: the state whose records it was listing and the table's continuation within that listing
/// (null: the listing's start). Saved as text by <see cref="Sweeps.SweepCursorStore"/>: <c>State</c> or <c>State|token</c>.
/// </summary>
public sealed record ExpirySweepPlace(JobState State, string? Token)
{
    private const char Separator = '|';

    public string Format() => Token is null ? State.ToString() : $"{State}{Separator}{Token}";

    /// <summary>The saved place, or null (start over) for none or for text no sweep of this version wrote.</summary>
    public static ExpirySweepPlace? Parse(string? saved)
    {
        if (string.IsNullOrEmpty(saved))
        {
            return null;
        }

        var split = saved.IndexOf(Separator, StringComparison.Ordinal);
        var state = split < 0 ? saved : saved[..split];
        var token = split < 0 ? null : saved[(split + 1)..];
        // Only names Format wrote: no numbers, no other casing.
        return Enum.GetValues<JobState>().Where(s => s.ToString() == state).Select(s => new ExpirySweepPlace(s, string.IsNullOrEmpty(token) ? null : token)).FirstOrDefault();
    }
}
