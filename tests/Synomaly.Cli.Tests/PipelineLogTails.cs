using System.Text;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Adds the last lines of the local pipeline's process logs to a failing test's message. A pipeline test that fails in
/// CI (a job that never ends, a worker that died) can only be understood from the worker's and trigger host's logs, and
/// CI keeps nothing but the console.
/// </summary>
internal static class PipelineLogTails
{
    private const int LinesPerLog = 25;

    public static async Task RunAsync(string logDirectory, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch (Exception e) when (Directory.Exists(logDirectory))
        {
            throw new Xunit.Sdk.XunitException(e.Message + Environment.NewLine + Describe(logDirectory), e);
        }
    }

    private static string Describe(string logDirectory)
    {
        var text = new StringBuilder();
        foreach (var log in Directory.GetFiles(logDirectory, "*.log").Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(log);
            text.AppendLine($"--- {Path.GetFileName(log)}: last {Math.Min(LinesPerLog, lines.Length)} of {lines.Length} lines ---");
            foreach (var line in lines.TakeLast(LinesPerLog))
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }
}
