using System.Runtime.InteropServices;

namespace Synomaly.Testing;

/// <summary>
/// Hard links for tests: a second name for the same file, with a path and real path of its own (unlike a symbolic link,
/// nothing leads from it to the first name), as a guard against reading the same slice twice must recognise it.
/// </summary>
public static class HardLink
{
    /// <summary>Creates <paramref name="link"/> as a hard link to <paramref name="existing"/> (link(2); .NET has no API for it).</summary>
    public static string Create(string existing, string link)
    {
        if (NativeLink(existing, link) != 0)
        {
            throw new IOException($"link(2) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return link;
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int NativeLink(string existing, string link);
}
