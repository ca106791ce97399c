using Synomaly.Cli;

return await SynomalyCommand.Create().Parse(args).InvokeAsync();
