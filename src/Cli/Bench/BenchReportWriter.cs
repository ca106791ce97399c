using System.Text.Json;

namespace Synomaly.Cli.Bench;

/// <summary>Writes bench.json and bench.md into the output folder.</summary>
public static class BenchReportWriter
{
    public const string JsonFile = "bench.json";
    public const string MarkdownFile = "bench.md";

    /// <summary>Writes both files and returns the Markdown text.</summary>
    public static string Write(BenchReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, JsonFile), JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport));
        string markdown = BenchMarkdown.Render(report);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), markdown);
        return markdown;
    }

    public static BenchReport Read(string directory) =>
        JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(directory, JsonFile)), BenchJsonContext.Default.BenchReport)
        ?? throw new InvalidDataException($"{JsonFile} is empty.");
}
