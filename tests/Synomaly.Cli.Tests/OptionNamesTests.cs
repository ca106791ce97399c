using System.CommandLine;

namespace Synomaly.Cli.Tests;

/// <summary>The table that names a refused library parameter by the option the user typed.</summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class OptionNamesTests
{
    [Fact]
    public void Every_option_the_table_names_is_an_option_of_its_verb()
    {
        var verbs = SynomalyCommand.Create().Subcommands.ToDictionary(c => c.Name, StringComparer.Ordinal);

        Assert.NotEmpty(OptionNames.All);
        Assert.All(OptionNames.All, entry =>
        {
            Assert.True(verbs.TryGetValue(entry.Verb, out var verb), $"{entry.Verb} is no verb");
            Assert.True(verb!.Options.Any(o => o.Name == entry.Option), $"{entry.Verb} has no option {entry.Option} (for {entry.Parameter})");
        });
    }

    [Fact]
    public void One_property_is_named_by_each_verb_s_own_option_and_not_at_all_where_no_option_sets_it()
    {
        Assert.Equal("--theta", OptionNames.For("tune", "Threshold"));
        Assert.Equal("--threshold", OptionNames.For("import-weights", "Threshold"));
        Assert.Equal("--noise-threshold", OptionNames.For("train", "Threshold"));
        Assert.Equal("--precision", OptionNames.For("train", "precision"));
        Assert.Null(OptionNames.For("evaluate", "BlurKernel")); // the profile's, from the model card
        Assert.Null(OptionNames.For("detect", "Timesteps"));
        Assert.Null(OptionNames.For("tune", null));
    }

    [Fact]
    public void A_setting_spelt_otherwise_by_another_verb_is_taken_in_that_spelling_too()
    {
        // Before, import-weights refused tune's --k and --theta, and train detect's --batch-size; the old names stay for scripts.
        var import = SynomalyCommand.Create().Parse(["import-weights", "best_model.pt", "out", "--k", "5", "--theta", "0.2"]);
        var train = SynomalyCommand.Create().Parse(["train", "data", "--out", "run", "--batch-size", "3"]);

        Assert.Empty(import.Errors);
        Assert.Equal((5, 0.2), (import.GetValue<int>("--blur-kernel"), import.GetValue<double>("--threshold")));
        Assert.Empty(train.Errors);
        Assert.Equal(3, train.GetValue<int?>("--batch"));
    }

    [Fact]
    public async Task Import_weights_help_lists_the_aliases_and_its_fusion_and_stop_rule_values_in_lower_case_as_tune_does()
    {
        var (code, output) = await StandardError.CaptureAll(["import-weights", "--help"]);
        string help = string.Join(' ', output.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(0, code);
        Assert.Contains("--k", help, StringComparison.Ordinal);
        Assert.Contains("--theta", help, StringComparison.Ordinal);
        Assert.Contains("--fusion <soft|binary|notebook|none>", help, StringComparison.Ordinal);
        Assert.Contains("--stop-rule <released|paper>", help, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Soft]", help, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Released]", help, StringComparison.Ordinal);
    }
}
