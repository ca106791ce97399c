using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Timers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Options;
using Synomaly.Storage.Messaging;

namespace Synomaly.DevHost;

/// <summary>
/// Starts the local trigger host for the CLI's local pipeline and for tests. Configuration uses the app-setting names of
/// docs/SETTINGS.md ("ScansStorage" = the Azurite connection string, "Intake:ModelVersion", ...); the transport is always
/// the Storage Queue (there is no Service Bus locally), and AzureWebJobsStorage (blob receipts, timer locks) defaults to
/// ScansStorage.
/// </summary>
public static class DevHostRunner
{
    /// <summary>
    /// How long a stopping host may take to finish its running functions before it is disposed anyway; shared with the CLI,
    /// which kills this process only after it.
    /// </summary>
    private static readonly TimeSpan StopTimeout = HostShutdown.TriggerHostStopTimeout;

    /// <summary>The first wait before a restart.</summary>
    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest wait between restarts when hosts keep failing; a host that ran this long before its fault counts as
    /// healthy, and the next restart waits <see cref="FirstRestartDelay"/> again.
    /// </summary>
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> is cancelled, then stops the host gracefully. A host whose listener
    /// fails (<see cref="RestartOnFaultExceptionHandler"/>) is stopped and replaced by a fresh one, as the Functions host
    /// restarts its job host. While storage stays unreachable, or hosts fault soon after they start, the restarts back off
    /// up to 30 s. Only the first start fails the call, so a wrong connection string is reported at once.
    /// </summary>
    /// <exception cref="TriggerHostStartException">The first start failed (an invalid setting is thrown as it is).</exception>
    /// <param name="started">Called with each host once it runs (tests use it to reach the current host).</param>
    /// <param name="time">The clock of the waits between restarts and of how long a host ran; the system's by default.</param>
    public static async Task RunAsync(IReadOnlyDictionary<string, string?> configuration, CancellationToken cancellationToken, Action<IHost>? started = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        using var loggerFactory = LoggerFactory.Create(ConfigureLogging);
        var logger = loggerFactory.CreateLogger(typeof(DevHostRunner));
        var restartDelay = FirstRestartDelay;
        for (var first = true; first || !cancellationToken.IsCancellationRequested; first = false)
        {
            IHost host;
            try
            {
                host = await StartAsync(configuration, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // Asked to stop while a host was starting.
            }
            catch (Exception e) when (first && e is not OptionsValidationException)
            {
                // Said in one line by the process (exit 3); a wrong connection string or a storage that is down is the
                // operator's to fix, not a crash.
                throw TriggerHostStartException.For(e);
            }
            catch (Exception e) when (!first)
            {
                logger.LogWarning(e, "Could not start the trigger host again; next try in {Delay} s", restartDelay.TotalSeconds);
                await DelayAsync(restartDelay, time, cancellationToken).ConfigureAwait(false);
                restartDelay = Min(restartDelay * 2, MaxRestartDelay);
                continue;
            }

            long startedAt = time.GetTimestamp();
            using (host)
            {
                started?.Invoke(host);
                var fault = host.Services.GetRequiredService<RestartOnFaultExceptionHandler>().Faulted;
                // The host's own lifetime stops it too: its console lifetime takes SIGTERM and Ctrl-C and cancels the
                // process's default ending, so a signal that only reached the host would otherwise leave it running.
                var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
                using var stopRequested = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
                var stop = Task.Delay(Timeout.Infinite, stopRequested.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                await Task.WhenAny(fault, stop).ConfigureAwait(false);
                // Read before stopping: stopping the host fires its lifetime's stopping signal itself, after a fault too.
                bool stopAsked = stopRequested.IsCancellationRequested;
                await StopAsync(host, logger).ConfigureAwait(false);

                if (!fault.IsCompleted || stopAsked)
                {
                    return;
                }
            }

            // Only a host that ran healthy for a while starts the pauses over: one that faults as soon as it runs (a fault
            // that persists) was restarted every second for as long as the pipeline ran, each time provisioning storage
            // and starting every listener again.
            if (time.GetElapsedTime(startedAt) >= MaxRestartDelay)
            {
                restartDelay = FirstRestartDelay;
            }

            logger.LogWarning("Restarting the trigger host after a listener fault in {Delay} s", restartDelay.TotalSeconds);
            await DelayAsync(restartDelay, time, cancellationToken).ConfigureAwait(false);
            restartDelay = Min(restartDelay * 2, MaxRestartDelay);
        }
    }

    private static async Task StopAsync(IHost host, ILogger logger)
    {
        using var stopBudget = new CancellationTokenSource(StopTimeout);
        try
        {
            await host.StopAsync(stopBudget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("The trigger host did not stop within {Seconds} s; disposing it", StopTimeout.TotalSeconds);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A delay that ends quietly when the runner is asked to stop (the loop then ends at its next start).</summary>
    private static async Task DelayAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The next StartAsync sees the cancelled token and ends the loop.
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging) =>
        logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
            // The SDK logs every storage request at Information: thousands of lines per minute of polling.
            .AddFilter("Azure.Core", LogLevel.Warning);

    /// <summary>Provisions the local resources and starts the host; the caller stops and disposes it.</summary>
    public static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?> configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new Dictionary<string, string?>(configuration);
        settings[$"{IntakeOptions.Section}:Transport"] = nameof(ScanJobTransport.StorageQueue);
        settings.TryAdd("AzureWebJobsStorage", settings.GetValueOrDefault("ScansStorage"));
        settings.TryAdd("Bulk:Schedule", new BulkOptions().Schedule);
        settings.TryAdd($"{IntakeOptions.Section}:ReconcileSchedule", new IntakeOptions().ReconcileSchedule);
        settings.TryAdd($"{JobExpiryOptions.Section}:Schedule", new JobExpiryOptions().Schedule);

        var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings))
            .ConfigureLogging(ConfigureLogging)
            .ConfigureServices((context, services) =>
            {
                // Registered before the WebJobs defaults, which only add theirs when none is there.
                services.AddSingleton<INameResolver, ConfigurationNameResolver>();
                services.AddSingleton<ITypeLocator, FixedTypeLocator>();
                services.AddSingleton<RestartOnFaultExceptionHandler>();
                services.AddSingleton<IWebJobsExceptionHandler>(p => p.GetRequiredService<RestartOnFaultExceptionHandler>());
                services.AddSynomalyServices(context.Configuration, validateTriggerSource: false);
            })
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddAzureStorageCoreServices();
                // The values Azure runs with (host.json), not the SDK's defaults: a poison blob is given up after the same
                // number of tries, and as many blobs are worked at once, here as there.
                webJobs.AddAzureStorageBlobs(HostJsonBlobSettings.Load(HostJsonBlobSettings.DefaultPath).ApplyTo);
                // As for blobs: a failed queue message is retried as often, and as far apart, as in Azure.
                webJobs.AddAzureStorageQueues(HostJsonQueueSettings.Load(HostJsonBlobSettings.DefaultPath).ApplyTo);
                webJobs.AddTimers();
            })
            .Build();

        await ProvisionAsync(host.Services, cancellationToken).ConfigureAwait(false);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>The containers, queues and tables the triggers and services use (what infra/ creates in Azure), as `func start` creates them.</summary>
    private static Task ProvisionAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        ActivatorUtilities.CreateInstance<DevelopmentStorageProvisioner>(services).StartAsync(cancellationToken);
}
