using System.CommandLine;
using System.Text.Json;
using Synomaly.Cli.Commands;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The profile choices of import-weights and tune (--fusion, --stop-rule, --stop-floor): taken by their documented
/// spelling or the enum member's name, in any case, and anything else refused by the parser with the choices named. As enum
/// options, import-weights' --fusion and --stop-rule also took any number ("--stop-rule 5"), refused only when the model
/// card was checked, after the checkpoint had been read; tune's --fusion list took "1" as binary.
/// </summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class ProfileChoiceOptionsTests
{
    [Theory]
    [InlineData("--stop-rule", "5", "--stop-rule must be released or paper, not '5'.")]
    [InlineData("--stop-rule", "figure", "--stop-rule must be released or paper, not 'figure'.")]
    [InlineData("--fusion", "1", "--fusion must be soft, binary, notebook or none, not '1'.")]
    [InlineData("--fusion", "hard", "--fusion must be soft, binary, notebook or none, not 'hard'.")]
    public void Import_weights_refuses_a_number_or_an_unknown_fusion_or_stop_rule_at_parse_with_the_choices_named(string option, string value, string expected)
    {
        var parse = SynomalyCommand.Create().Parse(["import-weights", "best_model.pt", "out", option, value]);

        Assert.Equal(expected, Assert.Single(parse.Errors).Message);
    }

    [Theory]
    [InlineData("--fusion", "notebook", FusionMode.Notebook, StopRule.Released)]
    [InlineData("--fusion", "NONE", FusionMode.None, StopRule.Released)]
    [InlineData("--fusion", "Binary", FusionMode.Binary, StopRule.Released)] // the enum name the older help showed
    [InlineData("--stop-rule", "Paper", FusionMode.Soft, StopRule.Paper)]
    [InlineData("--stop-rule", " paper ", FusionMode.Soft, StopRule.Paper)]
    public void Import_weights_takes_the_fusion_and_stop_rule_in_any_case(string option, string value, FusionMode fusion, StopRule stopRule)
    {
        var parse = SynomalyCommand.Create().Parse(["import-weights", "best_model.pt", "out", option, value]);

        Assert.Empty(parse.Errors);
        Assert.Equal(fusion, ProfileChoices.Fusions.Of(parse.GetValue<string>("--fusion")));
        Assert.Equal(stopRule, ProfileChoices.StopRules.Of(parse.GetValue<string>("--stop-rule")));
    }

    [Fact]
    public void Import_weights_without_the_choices_takes_the_released_profile_s()
    {
        var parse = SynomalyCommand.Create().Parse(["import-weights", "best_model.pt", "out"]);
        var released = InferenceProfile.ReleasedUltrasound;

        Assert.Empty(parse.Errors);
        Assert.Equal(
            (released.Fusion, released.StopRule, released.StopFloor),
            (ProfileChoices.Fusions.Of(parse.GetValue<string>("--fusion")), ProfileChoices.StopRules.Of(parse.GetValue<string>("--stop-rule")), ProfileChoices.StopFloors.Of(parse.GetValue<string>("--stop-floor"))));
    }

    [Theory]
    [InlineData("soft,1", "1")]
    [InlineData("binary,hard", "hard")]
    public void Tune_refuses_a_number_or_an_unknown_mode_in_its_fusion_list_at_parse(string list, string item)
    {
        var parse = SynomalyCommand.Create().Parse(["tune", "--model", "model", "--data", "data", "--out", "run", "--fusion", list]);

        Assert.Equal($"--fusion must be a comma list of soft, binary, notebook or none, not '{item}'.", Assert.Single(parse.Errors).Message);
    }

    [Fact]
    public void Tune_takes_its_fusion_list_in_any_case()
    {
        var parse = SynomalyCommand.Create().Parse(["tune", "--model", "model", "--data", "data", "--out", "run", "--fusion", "Soft, NOTEBOOK,none"]);

        Assert.Empty(parse.Errors);
        Assert.Equal([FusionMode.Soft, FusionMode.Notebook, FusionMode.None], ProfileChoices.Fusions.ListOf(parse.GetValue<string>("--fusion")));
    }

    [Fact]
    public void Tune_s_help_lists_the_fusion_modes_its_list_takes()
    {
        // Help showed "--fusion <fusion>": a user had to read the description to learn the spellings the parser takes.
        var fusion = SynomalyCommand.Create().Subcommands.Single(c => c.Name == "tune").Options.Single(o => o.Name == "--fusion");

        Assert.Equal("soft|binary|notebook|none,...", fusion.HelpName);
    }

    [Fact]
    public void Every_choice_is_taken_as_a_model_card_spells_it()
    {
        // A card records these as its JSON writes them ("stop_floor": "area_scaled"), and a script that hands a card's
        // profile to import-weights or tune passes that spelling: the parser refused the snake-case one.
        static string CardSpelling<T>(T member) => JsonSerializer.Deserialize<string>(JsonSerializer.Serialize(member, ModelCard.JsonOptions))!;

        Assert.All(Enum.GetValues<FusionMode>(), mode => Assert.True(ProfileChoices.Fusions.TryParse(CardSpelling(mode), out var parsed) && parsed == mode, CardSpelling(mode)));
        Assert.All(Enum.GetValues<StopRule>(), rule => Assert.True(ProfileChoices.StopRules.TryParse(CardSpelling(rule), out var parsed) && parsed == rule, CardSpelling(rule)));
        Assert.All(Enum.GetValues<StopFloor>(), floor => Assert.True(ProfileChoices.StopFloors.TryParse(CardSpelling(floor), out var parsed) && parsed == floor, CardSpelling(floor)));
        var parse = SynomalyCommand.Create().Parse(["import-weights", "best_model.pt", "out", "--stop-floor", CardSpelling(StopFloor.AreaScaled)]);
        Assert.Empty(parse.Errors);
        Assert.Equal(StopFloor.AreaScaled, ProfileChoices.StopFloors.Of(parse.GetValue<string>("--stop-floor")));
    }

    [Fact]
    public void A_refused_choice_is_named_by_the_alias_the_user_typed()
    {
        var option = ProfileChoices.StopRules.Create("--stop-rule", "test", defaultValue: StopRule.Released);
        option.Aliases.Add("--rule");
        var command = new RootCommand { option };

        Assert.Equal("--rule must be released or paper, not '5'.", Assert.Single(command.Parse(["--rule", "5"]).Errors).Message);
        Assert.Equal("--stop-rule must be released or paper, not '5'.", Assert.Single(command.Parse(["--stop-rule", "5"]).Errors).Message);
    }
}
