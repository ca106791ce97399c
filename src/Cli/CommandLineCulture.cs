using System.Globalization;

namespace Synomaly.Cli;

/// <summary>
/// Makes the command line read and write numbers the same way on every machine. System.CommandLine converts an
/// Option&lt;double&gt; with the current culture, so under LANG=de_DE "--lr 1.5e-4" read as 1.5e-3 ('.' is a group separator
/// there) and "--clip-norm 0.5" as 5, without an error; tune's comma lists, parsed invariantly, could not agree with them.
/// Every number on the command line, in the docs and in the results is written with '.', so the CLI uses the invariant
/// culture throughout: for parsing, for what it prints and for System.CommandLine's own messages (the UI culture).
/// </summary>
internal static class CommandLineCulture
{
    /// <summary>
    /// Sets the invariant culture on this flow (which the command's Task.Run and awaits carry along) and as the default of
    /// threads started without one. Call it before the command line is parsed.
    /// </summary>
    public static void UseInvariant()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
    }
}
