using System.CommandLine;
using System.Text.Json;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Training;

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

    /// <summary>
    /// Options spelt as a library parameter that need no entry: the library refuses no value of theirs, or they set no
    /// library parameter at all. Any other option so spelt must be in its verb's table.
    /// </summary>
    private static readonly Dictionary<string, string> NeedNoEntry = new(StringComparer.Ordinal)
    {
        ["* --seed"] = "any number is a seed: no library option refuses one",
        ["train --loss"] = "a name the parser refuses (OneOf) before the library sees the value",
        ["train --noise"] = "a preset name the command refuses itself (Unknown noise preset)",
        ["detect --batch-size"] = "detect's slices per call, which the command checks itself (UsageException)",
        ["bench --precision"] = "bench's own list, refused as a BenchOptionException naming the option",
        ["bench --attention"] = "bench's own list, refused as a BenchOptionException naming the option",
    };

    [Fact]
    public void Every_option_a_verb_declares_that_sets_a_library_parameter_is_in_that_verb_s_table()
    {
        // Walks what each verb declares, so that an option added to a verb without its entry fails here: the library's
        // refusal of its value would otherwise name no option. An option sets a library parameter when it is spelt as one
        // (--stop-floor: StopFloor) or as some verb's table names one (--k, --lr).
        Type[] libraryOptions = [typeof(InferenceOptions), typeof(AnomalyMapOptions), typeof(TrainingOptions), typeof(UNetConfig), typeof(SynomalyNoiseOptions)];
        var parameterSpellings = libraryOptions.SelectMany(type => type.GetProperties())
            .Select(property => "--" + JsonNamingPolicy.KebabCaseLower.ConvertName(property.Name))
            .Concat(OptionNames.All.Select(entry => entry.Option))
            .ToHashSet(StringComparer.Ordinal);

        var missing = SynomalyCommand.Create().Subcommands
            .SelectMany(verb => verb.Options.Select(option => (Verb: verb.Name, Option: option)))
            .Where(declared => declared.Option.Aliases.Append(declared.Option.Name).Any(parameterSpellings.Contains))
            .Where(declared => !NeedNoEntry.ContainsKey($"{declared.Verb} {declared.Option.Name}") && !NeedNoEntry.ContainsKey($"* {declared.Option.Name}"))
            .Where(declared => !OptionNames.All.Any(entry => entry.Verb == declared.Verb && entry.Option == declared.Option.Name))
            .Select(declared => $"{declared.Verb} {declared.Option.Name}")
            .ToList();

        Assert.True(missing.Count == 0, $"not in OptionNames: {string.Join(", ", missing)}");
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
