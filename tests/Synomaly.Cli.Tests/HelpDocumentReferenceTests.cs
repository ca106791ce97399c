using System.CommandLine;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The --help of every verb may send the user to a document (docs/EVALUATION.md, "Training options"); each one it names
/// must be in the repository, where a user of the CLI finds it. train's help named ALGORITHM.md, the team's design notes,
/// which live outside the repository. Documents are named in capitals (README.md, EVALUATION.md); the output files a verb
/// writes (bench.md, soak.md) are not, and are not looked for.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed partial class HelpDocumentReferenceTests
{
    [Fact]
    public void Every_document_a_verb_s_help_names_is_in_the_repository()
    {
        var missing = Descriptions(SynomalyCommand.Create())
            .SelectMany(d => DocumentName().Matches(d.Text).Select(m => (d.Where, Document: m.Value)))
            .Where(r => !File.Exists(Path.Combine(TestPaths.RepositoryRoot, "docs", r.Document)) && !File.Exists(Path.Combine(TestPaths.RepositoryRoot, r.Document)))
            .Select(r => $"{r.Where}: {r.Document}")
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.True(missing.Count == 0, $"Help names documents that are not in the repository: {string.Join("; ", missing)}");
    }

    private static IEnumerable<(string Where, string Text)> Descriptions(Command command)
    {
        yield return (command.Name, command.Description ?? "");
        foreach (var option in command.Options)
        {
            yield return ($"{command.Name} {option.Name}", option.Description ?? "");
        }

        foreach (var argument in command.Arguments)
        {
            yield return ($"{command.Name} <{argument.Name}>", argument.Description ?? "");
        }

        foreach (var sub in command.Subcommands.SelectMany(Descriptions))
        {
            yield return sub;
        }
    }

    [GeneratedRegex(@"\b[A-Z][A-Z0-9_-]*\.md\b")]
    private static partial Regex DocumentName();
}
