using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Synomaly.DevHost;

// Usage: synomaly-devhost [connection string]; settings also come from the environment (ScansStorage, Intake__ModelVersion, ...).
// Exit codes: 0 stopped (SIGTERM, Ctrl-C); 2 an invalid setting; 3 the first start failed (storage that does not answer);
// each failure with one "synomaly-devhost: ..." line on stderr.
var settings = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
    .ToDictionary(e => ((string)e.Key).Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value);
if (args.Length > 0)
{
    settings["ScansStorage"] = args[0];
}

settings.TryAdd("ScansStorage", "UseDevelopmentStorage=true");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// The CLI's local pipeline (ManagedProcess) stops this host with SIGTERM and kills it only once its stop timeout has run
// out (HostShutdown): the signal must stop the host gracefully, as Ctrl-C does, rather than end the process with its
// functions cut off or go unnoticed.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

try
{
    await DevHostRunner.RunAsync(settings, stop.Token);
    return 0;
}
catch (OptionsValidationException e)
{
    // A missing or invalid setting (Intake__ModelVersion, ...) is the operator's to fix: say which, not a stack trace.
    await Console.Error.WriteLineAsync($"synomaly-devhost: invalid settings: {string.Join(" ", e.Failures)}");
    return 2;
}
catch (TriggerHostStartException e)
{
    await Console.Error.WriteLineAsync($"synomaly-devhost: {e.Message}");
    return 3;
}
