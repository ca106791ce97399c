using Synomaly.Cli;

return await CommandRunner.RunAsync(args);
