namespace Synomaly.Cli.Tests;

/// <summary>
/// The test classes that run a command or write to the console. Spectre.Console allows one live display per process and
/// throws "Trying to run one or more interactive functions concurrently" for a second, and <see cref="StandardError"/>
/// swaps the process-wide Console.Error, so these classes must not run in parallel with each other
/// (<see cref="ConsoleCollectionMembershipTests"/> finds any that is left out).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleDisplayCollection
{
    public const string Name = "console progress display";
}
