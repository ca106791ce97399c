namespace Synomaly.Cli.Tests;

/// <summary>
/// The test classes whose commands draw a progress display (detect, bench, train). Spectre.Console allows one live display
/// per process and throws "Trying to run one or more interactive functions concurrently" for a second, so these classes
/// must not run in parallel with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleDisplayCollection
{
    public const string Name = "console progress display";
}
