using System.CommandLine;
using System.Text.Json;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Commands;

/// <summary>
/// The command-line spellings of an enum's members, for a string option that names one of them (or a comma list of them):
/// each member's documented spelling (area-scaled, the lower case tune writes), its own name (AreaScaled, which the help
/// of an enum-typed option showed) or the model card's (area_scaled, as <see cref="ModelCard.JsonOptions"/> writes it, so
/// that a script can pass on a card's value), in any case. Anything else, a number included, is refused by the parser with the
/// documented spellings named, by the option as typed (an alias when the user gave one). An option typed as the enum took
/// any number ("--stop-rule 5") and failed only where the value was used; the option is a string so that its help shows
/// the documented spelling ("[default: reference]") rather than the member's name.
/// </summary>
public sealed class EnumChoices<T>
    where T : struct, Enum
{
    private readonly (string Spelling, T Value)[] choices;

    /// <param name="choices">Each member the option takes with its documented spelling, in the order help lists them.</param>
    public EnumChoices(params (string Spelling, T Value)[] choices)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(choices.Length, 2);
        this.choices = choices;
    }

    /// <summary>The documented spellings as help shows them: "released|paper".</summary>
    public string HelpName => string.Join('|', choices.Select(c => c.Spelling));

    /// <summary>The documented spellings as a refusal names them: "released or paper".</summary>
    public string Listed => $"{string.Join(", ", choices.SkipLast(1).Select(c => c.Spelling))} or {choices[^1].Spelling}";

    /// <summary>An option naming one member; given no value, <paramref name="defaultValue"/> (shown in help by its spelling).</summary>
    public Option<string> Create(string name, string description, T defaultValue)
    {
        string spelling = SpellingOf(defaultValue);
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => spelling, HelpName = HelpName };
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (!TryParse(value, out _))
            {
                result.AddError($"{TypedOptionName.Of(result)} must be {Listed}, not '{value}'.");
            }
        });
        return option;
    }

    /// <summary>An option naming a comma list of members; given no value, <paramref name="defaultValue"/>'s spelling.</summary>
    public Option<string> CreateList(string name, string description, T defaultValue)
    {
        string spelling = SpellingOf(defaultValue);
        // Help shows the choices ("<soft|binary|notebook|none,...>") rather than the option's bare name ("<fusion>").
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => spelling, HelpName = $"{HelpName},..." };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>()?.Split(',').FirstOrDefault(item => !TryParse(item, out _)) is { } refused)
            {
                result.AddError($"{TypedOptionName.Of(result)} must be a comma list of {Listed}, not '{refused.Trim()}'.");
            }
        });
        return option;
    }

    /// <summary>The member an accepted value names (the option's validator has refused anything else).</summary>
    public T Of(string? value) => TryParse(value, out var member)
        ? member
        : throw new ArgumentException($"'{value}' is none of {Listed}; the option's validator accepts only those.", nameof(value));

    /// <summary>The members an accepted comma list names, in its order.</summary>
    public T[] ListOf(string? list) => [.. (list ?? string.Empty).Split(',').Select(Of)];

    /// <summary>Whether <paramref name="value"/> names a member, by its documented spelling, its name or the model card's spelling, in any case.</summary>
    public bool TryParse(string? value, out T member)
    {
        string? trimmed = value?.Trim();
        foreach (var (spelling, candidate) in choices)
        {
            if (string.Equals(trimmed, spelling, StringComparison.OrdinalIgnoreCase)
                || string.Equals(trimmed, candidate.ToString(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(trimmed, CardSpelling(candidate), StringComparison.OrdinalIgnoreCase))
            {
                member = candidate;
                return true;
            }
        }

        member = default;
        return false;
    }

    /// <summary>The member as a model card writes it: snake case ("stop_floor": "area_scaled"), the naming of <see cref="ModelCard.JsonOptions"/>' enum converter.</summary>
    private static string CardSpelling(T member) => JsonNamingPolicy.SnakeCaseLower.ConvertName(member.ToString());

    private string SpellingOf(T member)
    {
        foreach (var (spelling, candidate) in choices)
        {
            if (EqualityComparer<T>.Default.Equals(candidate, member))
            {
                return spelling;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(member), member, "Not one of the option's choices.");
    }
}
