using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// What README.md and docs/*.md point a reader to is in the repository: markdown links and images, repository paths
/// (src/…, tests/…, infra/…, docs/…) and documents named by file (FORMATS.md). Code blocks are left out: their paths are
/// a command's outputs (bin/, a model folder being written), not references. A path with a placeholder ({name}, &lt;ext&gt;,
/// *) is checked up to the folder before it, and build outputs (bin/, obj/) are not looked for. The one document cited
/// that is not in the repository, the team's ALGORITHM.md, must be explained at the top of docs/ENGINE.md.
/// </summary>
public sealed partial class DocumentLinkTests
{
    /// <summary>Cited by section in about seventy source comments and in the docs; kept in ../shared/design, beside the repository.</summary>
    private const string DesignSpecification = "ALGORITHM.md";

    private static readonly string[] BuildOutputs = ["bin", "obj"];

    /// <summary>
    /// Top folders that commands write and git ignores (.gitignore): a path under them names an output, and whether the
    /// folder exists depends on what ran on this machine (out/ after the demo), so it must not decide what is checked.
    /// </summary>
    private static readonly string[] OutputFolders = ["out", "results-local", "artifacts", "TestResults", "node_modules"];

    public static TheoryData<string> Documents =>
    [
        "README.md",
        .. Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "docs"), "*.md").Select(f => Path.GetRelativePath(TestPaths.RepositoryRoot, f).Replace('\\', '/')).Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_markdown_link_to_a_repository_file_resolves(string document)
    {
        var folder = Path.GetDirectoryName(Path.Combine(TestPaths.RepositoryRoot, document))!;
        var broken = Prose(document)
            .SelectMany(l => MarkdownLink().Matches(l.Text).Select(m => (l.Number, Target: m.Groups["target"].Value)))
            .Where(l => !Uri.TryCreate(l.Target, UriKind.Absolute, out _) && !l.Target.StartsWith('#'))
            .Where(l => !Exists(Path.Combine(folder, l.Target.Split('#')[0])))
            .Select(l => $"{document}:{l.Number} {l.Target}")
            .ToList();

        Assert.True(broken.Count == 0, $"Links to files that are not there: {string.Join("; ", broken)}");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_repository_path_and_document_named_is_in_the_repository(string document)
    {
        var topFolders = Directory.GetDirectories(TestPaths.RepositoryRoot).Select(Path.GetFileName).Where(n => !n!.StartsWith('.') && !OutputFolders.Contains(n)).ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (number, text) in Prose(document))
        {
            foreach (Match m in RepositoryPath().Matches(text))
            {
                var path = ResolvablePart(m.Value);
                if (topFolders.Contains(path.Split('/')[0]) && !path.Split('/').Intersect(BuildOutputs).Any() && !Exists(Path.Combine(TestPaths.RepositoryRoot, path)))
                {
                    missing.Add($"{document}:{number} {m.Value}");
                }
            }

            foreach (Match m in DocumentName().Matches(text))
            {
                var name = m.Value;
                if (name != DesignSpecification && !Exists(Path.Combine(TestPaths.RepositoryRoot, "docs", name)) && !Exists(Path.Combine(TestPaths.RepositoryRoot, name)))
                {
                    missing.Add($"{document}:{number} {name}");
                }
            }
        }

        Assert.True(missing.Count == 0, $"Named but not in the repository (a document kept beside it is named by its ../shared path): {string.Join("; ", missing)}");
    }

    [Fact]
    public void The_engine_document_says_before_its_first_section_where_the_cited_design_specification_is()
    {
        var engine = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "ENGINE.md"));
        var introduction = engine[..engine.IndexOf("\n## ", StringComparison.Ordinal)];

        Assert.Contains($"../shared/design/{DesignSpecification}", introduction, StringComparison.Ordinal);
        foreach (Match heading in QuotedHeading().Matches(introduction))
        {
            var title = Regex.Replace(heading.Groups["title"].Value, @"\s+", " ");
            Assert.True(
                Directory.GetFiles(Path.Combine(TestPaths.RepositoryRoot, "docs"), "*.md").Any(f => File.ReadLines(f).Any(l => l.StartsWith('#') && l.TrimStart('#').Trim() == title)),
                $"docs/ENGINE.md's introduction names the section \"{title}\", which no heading in docs/*.md has.");
        }
    }

    /// <summary>The document's lines outside fenced code blocks, numbered from 1.</summary>
    private static IEnumerable<(int Number, string Text)> Prose(string document)
    {
        bool inCode = false;
        int number = 0;
        foreach (var line in File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, document)))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }

            if (!inCode)
            {
                yield return (number, line);
            }
        }
    }

    /// <summary>The path up to the folder that holds its first placeholder, without a sentence's closing full stop.</summary>
    private static string ResolvablePart(string path)
    {
        int placeholder = path.IndexOfAny(['{', '<', '*', '…']);
        var part = placeholder < 0 ? path : path[..Math.Max(0, path.LastIndexOf('/', placeholder))];
        return part.TrimEnd('.', '/');
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    [GeneratedRegex(@"!?\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    /// <summary>A relative path whose first segment may be a top folder of the repository (not after '../', which leaves it).</summary>
    [GeneratedRegex(@"(?<![\w./-])[A-Za-z][\w-]*/[^\s`'""(),;:|\]]*")]
    private static partial Regex RepositoryPath();

    /// <summary>A document named by file alone (FORMATS.md); one given with a path is a repository path or lies outside.</summary>
    [GeneratedRegex(@"(?<![\w./-])[A-Z][A-Z0-9_-]*\.md\b")]
    private static partial Regex DocumentName();

    [GeneratedRegex("\"(?<title>[^\"]+)\"")]
    private static partial Regex QuotedHeading();
}
