using System.CommandLine;
using System.Globalization;
using Synomaly.Diffusion;
using Synomaly.Evaluation;

namespace Synomaly.Cli;

/// <summary>
/// The one line the command line prints for a failure. For an <see cref="ArgumentException"/> that is the sentence it was
/// thrown with: .NET appends the parameter's name to <see cref="ArgumentException.Message"/> (" (Parameter 'BlurKernel')",
/// a resource in the current UI culture) and <see cref="ArgumentOutOfRangeException"/> a second line with the value, which
/// name the code's parameter rather than anything the user typed. ArgumentException has no accessor for the sentence alone,
/// so the text .NET appends is built the same way (an exception of the same name and value with an empty sentence) and
/// removed from the end.
/// </summary>
public static class ErrorLine
{
    /// <summary>
    /// The line for a failure of <paramref name="verb"/>: an <see cref="InvalidOptionException"/> whose parameter one of the
    /// verb's options sets (<see cref="OptionNames"/>) is told by that option, what is wrong and the value
    /// ("--k: The blur kernel size must be a positive odd number (got 4)."), as the user typed it. A file-system failure that
    /// no command turned into a line of its own (writing results into an --out whose disk fills) is told by the verb and a
    /// path-free reason ("evaluate: cannot read or write a file: access denied (UnauthorizedAccessException); ..."):
    /// .NET's message quotes the full path, and folder names can carry patient names (<see cref="FileErrorReason"/>); one of
    /// an input that names its option (<see cref="InputListingException"/>, <see cref="InputNotFoundException"/>) is told
    /// by that option, as the commands tell it (<see cref="Commands.UnreadableInputException"/>). Anything else as
    /// <see cref="Of(Exception)"/>.
    /// </summary>
    public static string Of(Exception exception, string verb) => Of(exception, verb, name => name);

    /// <summary>
    /// As <see cref="Of(Exception, string)"/> for the verb <paramref name="parse"/> ran, the option named as the user typed
    /// it: by the alias they gave (import-weights' --k, tune's name for its --blur-kernel) rather than the option's name.
    /// </summary>
    public static string Of(Exception exception, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return Of(exception, parse.CommandResult.Command.Name, name => TypedName(parse, name));
    }

    private static string Of(Exception exception, string verb, Func<string, string> typed)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is InvalidOptionException { Reason: { } reason } invalid && OptionNames.For(verb, invalid.ParamName) is { } option)
        {
            return $"{typed(option)}: {WithValue(reason, invalid.Value)}";
        }

        if (exception is InputListingException or InputNotFoundException)
        {
            // An input failure that carries its option (InputFiles, InputReads) but that no command turned into a line of
            // its own: told as the commands tell it, by the option and the failure beneath, never as "an I/O error".
            return new Commands.UnreadableInputException(exception).Message;
        }

        return FileErrorReason.MayQuoteAPath(exception) ? $"{verb}: {PathFree(exception)}" : Of(exception);
    }

    /// <summary>
    /// The line for a failure told where no verb leads the line (a failed cleanup's, added on stderr by a line of its own):
    /// a file-system failure by its path-free reason ("cannot read or write a file: access denied
    /// (UnauthorizedAccessException); SYNOMALY_DEBUG=1 shows the full error"), as <see cref="Of(Exception, string)"/> tells
    /// it after the verb; anything else as <see cref="Of(Exception)"/>, whose .NET file-system messages quote the path.
    /// </summary>
    public static string PathFree(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return FileErrorReason.MayQuoteAPath(exception)
            ? $"cannot read or write a file: {FileErrorReason.Of(exception)}; SYNOMALY_DEBUG=1 shows the full error"
            : Of(exception);
    }

    /// <summary>The exception's message on one line: for an ArgumentException without what .NET appends to its sentence.</summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // A null argument is a bug, and its message without the name says only "Value cannot be null.".
        if (exception is not ArgumentException argument || argument is ArgumentNullException)
        {
            return exception.Message;
        }

        string message = argument.Message;
        string appended = AppendedByDotNet(argument);
        if (appended.Length == 0 || !message.EndsWith(appended, StringComparison.Ordinal))
        {
            // Nothing appended (no parameter, no value), or a type that builds its own message: printed as it is.
            return message;
        }

        string sentence = message[..^appended.Length];
        return argument is ArgumentOutOfRangeException { ActualValue: { } value } ? $"{sentence} {ActualValueSentence(value)}" : sentence;
    }

    /// <summary>The spelling the user typed of the verb's option <paramref name="name"/>; the name itself when none was typed.</summary>
    private static string TypedName(ParseResult parse, string name) =>
        parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == name) is { } option && parse.GetResult(option) is { } result
            ? TypedOptionName.Of(result)
            : name;

    /// <summary>The reason with the rejected value before its closing full stop: "... an odd number (got 4).".</summary>
    private static string WithValue(string reason, object? value)
    {
        if (value is null)
        {
            return reason;
        }

        string got = string.Create(CultureInfo.InvariantCulture, $" (got {value})");
        return reason.EndsWith('.') ? $"{reason[..^1]}{got}." : reason + got;
    }

    /// <summary>What <see cref="ArgumentException.Message"/> adds to the sentence for this exception's parameter (and value).</summary>
    private static string AppendedByDotNet(ArgumentException argument) => argument is ArgumentOutOfRangeException range
        ? new ArgumentOutOfRangeException(range.ParamName, range.ActualValue, string.Empty).Message
        : new ArgumentException(string.Empty, argument.ParamName).Message;

    /// <summary>.NET's "Actual value was ..." for <paramref name="value"/>, which it would have put on a line of its own.</summary>
    private static string ActualValueSentence(object value) => new ArgumentOutOfRangeException(null, value, string.Empty).Message.Trim();
}
