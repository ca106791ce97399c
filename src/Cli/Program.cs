using Spectre.Console;
using Synomaly.Cli;

RedirectedConsole.Widen(AnsiConsole.Console);
return await CommandRunner.RunAsync(args);
