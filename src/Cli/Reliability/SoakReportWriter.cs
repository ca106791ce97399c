using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Synomaly.Cli.Reliability;

/// <summary>Writes a reliability run's figures as JSON (for machines) and a Markdown table (for docs/RELIABILITY.md).</summary>
public static class SoakReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string ToJson(SoakReport report) => JsonSerializer.Serialize(report, Json);

    /// <summary>The headline figures in display order, shared by the Markdown table and the console table.</summary>
    public static IReadOnlyList<(string Figure, string Value)> Figures(SoakReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        return
        [
            ("jobs (distinct good scans)", report.Jobs.ToString(c)),
            ("bad inputs", report.BadInputs.ToString(c)),
            ("duplicate uploads", report.DuplicateUploads.ToString(c)),
            ("worker kills (planned)", $"{report.WorkerKills} ({report.WorkerKillsPlanned})"),
            ("Azurite restarts", report.StorageRestarts.ToString(c)),
            ("succeeded", report.Succeeded.ToString(c)),
            ("failed with their reason", $"{report.FailedWithReason} of {report.BadInputs}"),
            ("lost", report.Lost.ToString(c)),
            ("duplicated", report.Duplicated.ToString(c)),
            ("wrong outcome", report.WrongOutcome.ToString(c)),
            ("worker-rejected bad inputs dead-lettered (expected)", $"{report.DeadLettered} ({report.DeadLetterExpected}), {report.DeadLetterMessages} poison messages"),
            ("good jobs dead-lettered", report.GoodJobsDeadLettered.ToString(c)),
            ("overwritten upload versions dead-lettered (SourceChanged)", report.StaleVersionsDeadLettered.ToString(c)),
            ("redeliveries", report.Redeliveries.ToString(c)),
            ("wall time", report.WallSeconds.ToString("F0", c) + " s"),
            ("throughput", report.JobsPerSecond.ToString("F2", c) + " jobs/s"),
            ("job time p50 / p95", $"{report.JobSecondsP50.ToString("F1", c)} s / {report.JobSecondsP95.ToString("F1", c)} s"),
            ("result", report.Passed ? "PASSED" : "FAILED"),
        ];
    }

    public static string ToMarkdown(SoakReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run of {report.StartedAt:yyyy-MM-dd HH:mm} UTC on {report.Machine}; worker device {report.Device}; model {report.Model}; seed {report.Seed}.");
        md.AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("| --- | --- |");
        foreach (var (figure, value) in Figures(report))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {value} |");
        }

        md.AppendLine();
        md.AppendLine("| bad input | what it is | expected | ended | reason given |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var o in report.BadInputResults)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {o.Name} | {o.Description} | Failed {o.ExpectedCode} | {o.State} {o.ActualCode} | {o.Message?.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        if (report.Problems.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Problems:");
            foreach (var problem in report.Problems)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {problem}");
            }
        }

        return md.ToString();
    }
}
