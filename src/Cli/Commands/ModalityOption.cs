using System.CommandLine;
using System.CommandLine.Parsing;
using Synomaly.Contracts;

namespace Synomaly.Cli.Commands;

/// <summary>
/// detect's --modality: auto, or a modality by the name train, tune and the model card use (brain-mri, liver-ct,
/// carotid-us) or by its member name (BrainMri, LiverCt, CarotidUltrasound), in any case. Parsed as the enum alone, it
/// refused the names users had been taught and answered with the internal type's name (Synomaly.Contracts.ModalityHint).
/// </summary>
public static class ModalityOption
{
    /// <param name="description">Says that auto is the default: the help shows no "[default: …]" for this option.</param>
    public static Option<ModalityHint> Create(string description) => new("--modality")
    {
        // No DefaultValueFactory: the help printed its value by the enum member's name, "[default: Auto]", next to the
        // lower-case names the option is given with. Not given, the option is default(ModalityHint), which is Auto.
        HelpName = "auto|brain-mri|liver-ct|carotid-us",
        Description = description,
        CustomParser = Parse,
    };

    private static ModalityHint Parse(ArgumentResult result)
    {
        string? value = result.Tokens.Count == 0 ? null : result.Tokens[^1].Value;
        if (value is null || string.Equals(value.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
        {
            return ModalityHint.Auto;
        }

        if (ModalityNames.TryParse(value, out var hint))
        {
            return hint;
        }

        result.AddError($"--modality must be auto, {string.Join(", ", ModalityNames.All.SkipLast(1))} or {ModalityNames.All[^1]}, not '{value}'.");
        return ModalityHint.Auto;
    }
}
