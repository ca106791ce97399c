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
}
