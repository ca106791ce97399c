using System.CommandLine;
using Synomaly.Cli.Commands;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A refused option is named as the user typed it, by an alias where they gave one. The choice (OneOf), wait (--timeout-minutes)
/// and lesion-count (--lesions-per-slice) rules named the option's main name, though no option of theirs has an alias
/// yet: each is checked here on an option given one. System.CommandLine's own errors (a value of the wrong type, no value)
/// named the main option too: "Cannot parse argument 'abc' for option '--blur-kernel'" for import-weights --k abc.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class TypedOptionNameTests
{
    public static TheoryData<string, string[], string> Refusals => new()
    {
        { "choices", ["--objective", "l1"], "--objective must be vlb or mse, not 'l1'." },
        { "choices", ["--loss", "l1"], "--loss must be vlb or mse, not 'l1'." },
        { "wait", ["--wait", "0"], "--wait must be at least 1 (got 0)." },
        { "wait", ["--timeout-minutes", "0"], "--timeout-minutes must be at least 1 (got 0)." },
        { "lesions", ["--lesions", "0"], "--lesions must be at least 1 (got 0): a set without lesions has no Dice to tune or report." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void An_option_rule_names_the_option_by_the_spelling_the_user_typed(string rule, string[] arguments, string expected)
    {
        var command = new RootCommand { WithAlias(rule) };

        Assert.Equal(expected, Assert.Single(command.Parse(arguments).Errors).Message);
    }

    [Theory]
    [InlineData("--k", "abc", "Cannot parse argument 'abc' for option '--k' as expected type 'System.Int32'.")]
    [InlineData("--blur-kernel", "abc", "Cannot parse argument 'abc' for option '--blur-kernel' as expected type 'System.Int32'.")]
    [InlineData("--theta", "high", "Cannot parse argument 'high' for option '--theta' as expected type 'System.Double'.")]
    public async Task A_value_the_parser_cannot_read_is_named_by_the_option_as_typed_with_the_rest_of_the_message_kept(string option, string value, string expected)
    {
        var (code, error) = await StandardError.Capture(["import-weights", "best_model.pt", "out", option, value]);

        Assert.Equal(2, code);
        Assert.Equal(expected, error.Trim());
    }

    [Fact]
    public async Task An_alias_given_no_value_is_named_as_typed()
    {
        var (code, error) = await StandardError.Capture(["import-weights", "best_model.pt", "out", "--k"]);

        Assert.Equal(2, code);
        Assert.Equal("Required argument missing for option: '--k'.", error.Trim());
    }

    /// <summary>An option under each rule, with an alias as well as its name.</summary>
    private static Option WithAlias(string rule) => rule switch
    {
        "choices" => new Option<string>("--loss", "--objective").OneOf("vlb", "mse"),
        "wait" => new Option<int>("--timeout-minutes", "--wait").AtLeastOneMinute(),
        "lesions" => new Option<int>("--lesions-per-slice", "--lesions").AtLeastOneLesion(),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "No such rule."),
    };
}
