using System.CommandLine;

namespace Synomaly.Cli.Commands;

/// <summary>
/// Restricts a string option to named choices (case-insensitive), so that a typo is refused by the parser with the
/// choices named, by the option as typed (<see cref="TypedOptionName"/>), before any work, instead of silently meaning the
/// default.
/// </summary>
public static class OptionChoices
{
    public static Option<string> OneOf(this Option<string> option, params string[] choices)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!choices.Contains(value?.Trim(), StringComparer.OrdinalIgnoreCase))
            {
                result.AddError($"{TypedOptionName.Of(result)} must be {string.Join(", ", choices.SkipLast(1))} or {choices[^1]}, not '{value}'.");
            }
        });
        return option;
    }

    /// <summary>True when <paramref name="value"/> names <paramref name="choice"/> (as <see cref="OneOf"/> accepts it).</summary>
    public static bool Is(string? value, string choice) => string.Equals(value?.Trim(), choice, StringComparison.OrdinalIgnoreCase);
}
