using System.Globalization;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Runs a command as on a machine set to German (LANG=de_DE): a decimal comma, '.' a group separator, and System.CommandLine's
/// German messages. Restores the culture afterwards, so that no other test sees it.
/// </summary>
internal static class GermanCulture
{
    public static async Task<T> Run<T>(Func<Task<T>> run)
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            return await run();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }
}
