using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// The setting names in docs/SETTINGS.md, the contract between the apps and the templates: connection names with the
/// identity-based setting names they expand to in Azure, and the option settings with their defaults.
/// </summary>
internal sealed partial class SettingsContract
{
    private SettingsContract(IReadOnlyDictionary<string, IReadOnlyList<string>> connections, IReadOnlySet<string> documented, IReadOnlySet<string> required)
    {
        Connections = connections;
        Documented = documented;
        Required = required;
    }

    /// <summary>Connection name to the identity-based settings it needs in Azure (for example ScansStorage__blobServiceUri).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Connections { get; }

    /// <summary>Every setting name the document names.</summary>
    public IReadOnlySet<string> Documented { get; }

    /// <summary>Options documented as "(required)": they have no usable default, so Azure must set them.</summary>
    public IReadOnlySet<string> Required { get; }

    public static SettingsContract Load()
    {
        var connections = new Dictionary<string, IReadOnlyList<string>>();
        var documented = new HashSet<string>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        var section = "";
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, "docs", "SETTINGS.md")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim();
                continue;
            }

            if (!line.StartsWith('|') || line.StartsWith("| ---", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var names = Names(cells[0]);
            if (names.Count == 0)
            {
                continue; // the header row
            }

            if (section.StartsWith("Connections", StringComparison.Ordinal))
            {
                var connection = names[0];
                // Short forms (`__queueServiceUri`) belong to the row's connection.
                var azure = Names(cells[1]).Select(n => n.StartsWith("__", StringComparison.Ordinal) ? connection + n : n).ToList();
                connections[connection] = azure;
                documented.UnionWith(azure);
            }
            else
            {
                documented.UnionWith(names);
                if (cells[^1].Contains("(required)", StringComparison.Ordinal))
                {
                    required.UnionWith(names);
                }
            }
        }

        return new SettingsContract(connections, documented, required);
    }

    private static List<string> Names(string cell) =>
        [.. BacktickedName().Matches(cell).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"`([A-Za-z_][A-Za-z0-9_.]*)`")]
    private static partial Regex BacktickedName();
}
