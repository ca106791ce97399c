using System.CommandLine.Parsing;

namespace Synomaly.Cli;

/// <summary>
/// A parse error as the command line prints it. System.CommandLine quotes an option by its name in its own messages even
/// where the user typed an alias ("Cannot parse argument 'abc' for option '--blur-kernel' ..." for import-weights --k abc):
/// the quoted name becomes the spelling they typed (<see cref="TypedOptionName"/>), and the rest of the message is kept
/// as it is. The validators' own messages name the option as typed already, unquoted, and are left alone.
/// </summary>
public static class ParseErrorLine
{
    public static string Of(ParseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (OptionOf(error.SymbolResult) is not { } option)
        {
            return error.Message;
        }

        string typed = TypedOptionName.Of(option);
        return typed == option.Option.Name ? error.Message : error.Message.Replace($"'{option.Option.Name}'", $"'{typed}'", StringComparison.Ordinal);
    }

    /// <summary>The option an error is about: a value that could not be converted is its argument's error.</summary>
    private static OptionResult? OptionOf(SymbolResult? result) => result switch
    {
        OptionResult option => option,
        ArgumentResult { Parent: OptionResult option } => option,
        _ => null,
    };
}
