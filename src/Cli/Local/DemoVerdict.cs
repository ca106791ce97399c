using Synomaly.Contracts;

namespace Synomaly.Cli.Local;

/// <summary>
/// Whether the demo did what the README promises: every sample ends Succeeded except the deliberately bad ones, named
/// bad-REASON (samples/bad/bad-truncated.dcm), which must end Failed with that reason. A bad sample that fails for another
/// reason, or does not fail, means the decoders or the worker changed, so it fails the demo like any other surprise.
/// </summary>
public static class DemoVerdict
{
    private const string BadPrefix = "bad-";

    /// <summary>One line per sample that did not end as expected, naming the sample; empty when the demo passed.</summary>
    public static IReadOnlyList<string> Problems(IEnumerable<DemoJob> jobs) =>
        [.. jobs.Select(Problem).OfType<string>()];

    private static string? Problem(DemoJob job)
    {
        string sample = Path.GetFileName(job.File);
        string outcome = job.Error is null ? job.State.ToString() : $"{job.State} ({job.Error})";
        if (!job.ExpectedFailure)
        {
            return job.State == JobState.Succeeded ? null : $"{sample} ended {outcome}; expected Succeeded";
        }

        string? reason = ExpectedReason(sample);
        if (reason is null)
        {
            return $"{sample} is an expected failure but its name does not give the reason (bad-REASON.ext)";
        }

        return job.State == JobState.Failed && SameReason(ErrorCode(job.Error), reason) ? null : $"{sample} ended {outcome}; expected Failed with reason {reason}";
    }

    /// <summary>"bad-truncated.dcm" gives "truncated"; error codes are compared without case and dashes ("decompression-bomb").</summary>
    private static string? ExpectedReason(string sample)
    {
        string name = sample.Split('.')[0];
        return name.StartsWith(BadPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > BadPrefix.Length ? name[BadPrefix.Length..] : null;
    }

    /// <summary>The demo keeps a job's error as "Code: message".</summary>
    private static string ErrorCode(string? error) => error?.Split(':', 2)[0].Trim() ?? "";

    private static bool SameReason(string code, string reason) =>
        string.Equals(code, reason.Replace("-", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
}
