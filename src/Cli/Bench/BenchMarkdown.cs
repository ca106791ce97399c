using System.Globalization;
using System.Text;

namespace Synomaly.Cli.Bench;

/// <summary>bench.md: the run's environment, one table of rates, the reference comparison (published model on CUDA) and the parity table.</summary>
public static class BenchMarkdown
{
    public static string Render(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var env = report.Environment;
        var text = new StringBuilder();
        text.AppendLine("# synomaly bench").AppendLine();
        Line(text, $"- device: {env.Device} ({env.DeviceName})");
        Line(text, $"- TorchSharp {env.TorchSharpVersion}, libtorch {env.LibTorchVersion}{(env.PyTorchVersion is null ? "" : $" (PyTorch {env.PyTorchVersion} libraries)")}, {env.DotNetVersion}");
        Line(text, $"- machine: {env.CpuModel}, {env.LogicalCores} logical cores, {env.TorchThreads} torch threads, {env.OperatingSystem}");
        Line(text, $"- date: {env.StartedUtc:yyyy-MM-dd HH:mm} UTC; load average (1 min) {Number(env.LoadAverageAtStart, "0.00")} at the start, {Number(env.LoadAverageAtEnd, "0.00")} at the end");
        Line(text, $"- model: {report.Model}; {report.Parameters:N0} parameters");
        Line(text, $"- profile: {report.Profile}");
        Line(text, $"- inputs: {report.Inputs}; {report.Budget}");
        text.AppendLine();

        if (report.Rows.Count > 0)
        {
            text.AppendLine("| precision | attention | layout | batch | UNet fwd/s | 1-stage slices/s | 5-stage slices/s | adaptive slices/s | mean stages | GPU MiB | status |");
            text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var row in report.Rows)
            {
                Line(text, $"| {row.Precision} | {row.Attention} | {row.Layout} | {row.BatchSize} | {Rate(row.Forward)} | {Rate(row.SingleStage)} | {Rate(row.AdaptiveWorstCase)} | {Rate(row.AdaptiveNatural)} | {Number(row.AdaptiveNaturalMeanStages, "0.00")} | {Number(row.GpuMemoryMebibytes, "0")} | {Cell(row.Status)} |");
            }
        }

        var compared = report.Rows.Where(r => r.Reference is not null).ToList();
        if (compared.Count > 0)
        {
            text.AppendLine().AppendLine("Against the reference figures (one H100, PyTorch 2.11 eager; shared/fixtures/reference-unet/README.md):").AppendLine();
            text.AppendLine("| precision | attention | layout | batch | 1 stage vs authors' loop (31/s) | 5 stages vs authors' loop (5.9/s) | fwd vs batched PyTorch bf16 (708/s) | fwd share of the bf16 limit (5,300/s) | 5 stages vs target (400/s) |");
            text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var row in compared)
            {
                var r = row.Reference!;
                Line(text, $"| {row.Precision} | {row.Attention} | {row.Layout} | {row.BatchSize} | {r.SingleStageVsAuthors:0.0}x | {r.FiveStageVsAuthors:0.0}x | {r.ForwardVsBatchedPyTorch:0.00}x | {r.ForwardShareOfLimit:0.0%} | {r.FiveStageShareOfTarget:0.0%} |");
            }
        }

        if (report.Parity.Count > 0)
        {
            text.AppendLine().AppendLine("Parity against the float32 path (same weights, slices and noise; masks after the profile's threshold and component filter):").AppendLine();
            text.AppendLine("| variant | inputs | slices | max abs ε error | ε scale | 1-stage mask agreement | adaptive mask agreement | adaptive mask IoU | same stage count | status |");
            text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var p in report.Parity)
            {
                Line(text, $"| {p.Candidate} | {p.Inputs} | {p.Slices} | {Number(p.UnetMaxAbsError, "0.###E+00")} | {Number(p.UnetOutputScale, "0.###")} | {Percent(p.SingleStageMaskAgreementPercent)} | {Percent(p.AdaptiveMaskAgreementPercent)} | {Number(p.AdaptiveMaskIou, "0.0000")} | {Percent(p.SameStageCountPercent)} | {Cell(p.Status)} |");
            }
        }

        if (report.Notes.Count > 0)
        {
            text.AppendLine();
            foreach (string note in report.Notes)
            {
                Line(text, $"- {note}");
            }
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

    /// <summary>The total rate, and in brackets the rate at the median call time where calls were timed one by one.</summary>
    private static string Rate(Measurement? measurement)
    {
        if (measurement is null)
        {
            return "n/a";
        }

        string total = RateNumber(measurement.ItemsPerSecond);
        return measurement.MedianItemsPerSecond is double median ? $"{total} ({RateNumber(median)})" : total;
    }

    private static string RateNumber(double rate) => Number(rate, rate < 100 ? "0.00" : "0.0");

    private static string Number(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string Percent(double? value) => value is double v ? v.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "n/a";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
