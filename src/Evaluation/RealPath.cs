namespace Synomaly.Evaluation;

/// <summary>
/// The path a file really has once every symbolic link along it is followed, as realpath(3) gives it. Path.GetFullPath
/// only normalises the spelling: a file reached through a linked folder (val-link/a.png) or a link to a file kept
/// elsewhere is another string for the same file, so a guard that compares full paths lets it through.
/// </summary>
public static class RealPath
{
    /// <summary>As the kernel's limit on links in one lookup: a loop of links is refused instead of followed for ever.</summary>
    internal const int MaxLinks = 40;

    /// <summary>
    /// The resolved absolute path of <paramref name="path"/>; parts that do not exist are kept as they are spelt.
    /// </summary>
    /// <exception cref="SymbolicLinkLoopException">The path goes through more than 40 links (a loop).</exception>
    public static string Of(string path)
    {
        // Not Path.GetFullPath for a relative or absolute Unix path: it drops "link/.." as text, where the real parent is
        // the link target's.
        string full = Path.IsPathFullyQualified(path) ? path
            : Path.IsPathRooted(path) ? Path.GetFullPath(path)
            : Path.Combine(Directory.GetCurrentDirectory(), path);
        string resolved = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[resolved.Length..]);
        int links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                // The prefix is already free of links, so its parent is the real parent.
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }

            string next = Path.Combine(resolved, part);
            if (new FileInfo(next).LinkTarget is not { } target)
            {
                resolved = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new SymbolicLinkLoopException();
            }

            // The target is read part by part too: it may itself go through links, and a relative one starts at the
            // link's own folder.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(Path.GetFullPath(target))!;
                target = target[Path.GetPathRoot(target)!.Length..];
            }

            Push(pending, target);
        }

        return resolved;
    }

    /// <summary>Pushes the parts of <paramref name="relative"/> so that its first part is popped first.</summary>
    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
