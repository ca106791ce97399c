using System.CommandLine.Parsing;

namespace Synomaly.Cli;

/// <summary>
/// An option as the user typed it, the one rule every refusal names an option by: the alias they gave (import-weights'
/// --k) rather than the option's name (--blur-kernel), so that the message names what is on their command line; the
/// option's name where they typed none of its spellings (a default value refused).
/// </summary>
public static class TypedOptionName
{
    public static string Of(OptionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.IdentifierToken?.Value ?? result.Option.Name;
    }
}
