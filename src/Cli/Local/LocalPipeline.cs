using System.ComponentModel;
using System.Globalization;
using System.Net;
using Synomaly.Contracts;
using Synomaly.Diffusion;
using Synomaly.Diffusion.Weights;
using Synomaly.Storage.Local;
using TorchSharp;

namespace Synomaly.Cli.Local;

/// <summary>
/// The whole system on this machine: Azurite (the storage account), the local trigger host (the Functions app's intake
/// and bulk triggers on the WebJobs SDK) and the GPU worker (CPU unless CUDA is present) on the Storage Queue transport,
/// each started by PID and stopped when disposed.
/// </summary>
public sealed class LocalPipeline : IAsyncDisposable
{
    /// <summary>
    /// Network images per worker call when the pipeline runs on a CPU (the worker's own default suits a GPU): one, which the
    /// worker's batcher rounds up to one slice with all its noise draws, whatever the profile's draws.
    /// </summary>
    public const string CpuMaxBatchImages = "1";

    /// <summary>
    /// How long the local worker lets its running jobs go on after SIGTERM (Worker__ShutdownDeadlineSeconds) before it
    /// cancels and abandons them: shorter than the worker's 60 s default, since after Ctrl-C the CLI stops the worker, the
    /// trigger host and Azurite one after another within its own grace period (<see cref="CommandRunner.GracePeriod"/>).
    /// </summary>
    public const int WorkerShutdownDeadlineSeconds = 10;

    private const string ShutdownDeadlineSetting = "Worker__ShutdownDeadlineSeconds";

    private const string TriggerHostRole = "trigger host";
    private const string WorkerRole = "GPU worker";

    private readonly LocalEnvironment environment;
    private readonly Dictionary<string, string> workerSettings;
    private readonly string workerAssembly;
    private readonly string logDirectory;
    private readonly string stateDirectory;

    private LocalPipeline(LocalEnvironment environment, ManagedProcess devHost, ManagedProcess worker, Dictionary<string, string> workerSettings, string workerAssembly, string logDirectory, ModelCard card, int workerPort, string stateDirectory)
    {
        this.stateDirectory = stateDirectory;
        this.environment = environment;
        DevHost = devHost;
        Worker = worker;
        this.workerSettings = workerSettings;
        this.workerAssembly = workerAssembly;
        this.logDirectory = logDirectory;
        Card = card;
        WorkerPort = workerPort;
    }

    public string ConnectionString => environment.ConnectionString;

    public ManagedProcess DevHost { get; }

    public ManagedProcess Worker { get; private set; }

    public ModelCard Card { get; }

    public int WorkerPort { get; }

    /// <summary>
    /// Starts Azurite, the trigger host and the worker. When a step fails (or is cancelled) every process started so far
    /// is stopped before the exception goes on: the caller has no pipeline to dispose, so nothing else would stop them.
    /// </summary>
    /// <exception cref="LocalStorageStoppedException">Azurite stopped after it had started, and the hosts failed to start.</exception>
    /// <exception cref="KeptHostsRunningException">Hosts a `demo --keep` left on this state folder still run.</exception>
    /// <exception cref="UsageException">A worker override of Worker__ShutdownDeadlineSeconds is no whole number of seconds from 1 to 3600.</exception>
    public static async Task<LocalPipeline> StartAsync(LocalPipelineSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Refused before anything starts: the worker would refuse to start with a deadline it cannot read, after Azurite.
        _ = ShutdownDeadlineSeconds(settings.WorkerOverrides);
        string stateDirectory = LocalRunRecord.StateDirectory(settings.RepositoryRoot, settings.AzuriteEnvironment);
        // Before anything starts: hosts a `demo --keep` left on this state folder would take this run's jobs. A first look,
        // to refuse before the model is read; the one that counts is made again under the state folder's lock (below),
        // since a run holding the folder now can keep its hosts and let it go before this run takes it. Without the folder
        // this look leaves a record of ended hosts in place: it could be the one that run writes meanwhile.
        KeptHosts.ThrowIfRunning(stateDirectory, folderHeld: false);
        string modelDirectory = Path.GetFullPath(settings.ModelDirectory);
        var card = LoadCard(modelDirectory);
        // Checked before anything starts: a wrong device or a missing build is found without Azurite to clean up.
        bool onCpu = TorchDevice.Resolve(settings.Device).type == DeviceType.CPU;
        string repositoryRoot = settings.RepositoryRoot;
        string logDirectory = settings.LogDirectory;
        string devHostAssembly = BuiltAssembly(repositoryRoot, "DevHost", "Synomaly.DevHost.dll");
        string workerAssembly = BuiltAssembly(repositoryRoot, "GpuWorker", "Synomaly.GpuWorker.dll");
        var environment = await LocalEnvironment.StartAsync(settings.RepositoryRoot, settings.AzuriteEnvironment, refuseBesideKeptHosts: true, cancellationToken);
        ManagedProcess? devHost = null;
        ManagedProcess? worker = null;
        try
        {
            var devHostSettings = new Dictionary<string, string>
            {
                ["ScansStorage"] = environment.ConnectionString,
                ["AzureWebJobsStorage"] = environment.ConnectionString,
                ["Intake__BlobTriggerSource"] = "LogsAndContainerScan",
                ["Intake__Transport"] = "StorageQueue",
                ["Intake__ModelName"] = card.Name,
                ["Intake__ModelVersion"] = card.Version,
                // The polling trigger's container scan can skip blobs; locally the safety net sweeps every 20 s. The grace
                // leaves the trigger time to work through a large upload burst before the sweep takes over.
                ["Intake__ReconcileSchedule"] = "*/20 * * * * *",
                ["Intake__ReconcileGraceSeconds"] = "90",
            };
            Override(devHostSettings, settings.TriggerHostOverrides);
            int port = LoopbackPort.Free();
            var workerSettings = new Dictionary<string, string>
            {
                ["ScansStorage"] = environment.ConnectionString,
                ["Worker__Transport"] = "StorageQueue",
                ["Worker__Device"] = settings.Device,
                ["Model__Source"] = "Directory",
                ["Model__Directory"] = modelDirectory,
                ["Model__Name"] = card.Name,
                ["Model__Version"] = card.Version,
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["DOTNET_ENVIRONMENT"] = "Production",
                [ShutdownDeadlineSetting] = WorkerShutdownDeadlineSeconds.ToString(CultureInfo.InvariantCulture),
            };
            if (onCpu)
            {
                // On a CPU one slice per call is fastest for a drawn profile: 1.5 adaptive slices/s against 1.05 with two slices
                // per call for the 4-draw demo profile, and 2.3 times faster demo jobs than the GPU default of 64 with 8 draws
                // (docs/PERFORMANCE.md).
                workerSettings["Worker__MaxBatchSize"] = CpuMaxBatchImages;
            }

            Override(workerSettings, settings.WorkerOverrides);
            // This run's logs start empty (the last run's kept as *.previous.log); a restarted worker appends to its own.
            RunLog.StartFresh(Path.Combine(logDirectory, "devhost.log"));
            RunLog.StartFresh(Path.Combine(logDirectory, "worker.log"));
            devHost = ManagedProcess.Start(devHostAssembly, devHostSettings, Path.Combine(logDirectory, "devhost.log"), HostShutdown.TriggerHostStopTimeout);
            environment.Record.SetChild(TriggerHostRole, devHost.Id);
            worker = ManagedProcess.Start(workerAssembly, workerSettings, Path.Combine(logDirectory, "worker.log"), WorkerStopTimeout(workerSettings));
            environment.Record.SetChild(WorkerRole, worker.Id);
            var pipeline = new LocalPipeline(environment, devHost, worker, workerSettings, workerAssembly, logDirectory, card, port, stateDirectory);
            await pipeline.WaitForWorkerReadyAsync(TimeSpan.FromMinutes(3), cancellationToken);
            return pipeline;
        }
        catch (Exception failure)
        {
            try
            {
                // A host that lost its storage exits, or never gets ready, so the failure would name the host's log while
                // the cause is in Azurite's. Asked before the cleanup, which stops Azurite itself; not after a cancellation,
                // which is the reason then.
                if (!cancellationToken.IsCancellationRequested)
                {
                    await environment.ThrowIfStorageStoppedAsync("during start-up", failure);
                }
            }
            finally
            {
                await FailedStartCleanup.RunAsync(() => StopStartedAsync(worker, devHost, environment));
            }

            throw;
        }
    }

    /// <summary>The app settings the worker process was started with (Azurite connection, transport, model, batch size).</summary>
    public IReadOnlyDictionary<string, string> WorkerSettings => workerSettings;

    /// <summary>
    /// The longest a clean stop of the pipeline takes with the local worker's deadline (<see cref="DisposeAsync"/>: the
    /// worker, then the trigger host, each up to its kill deadline, then Azurite): the CLI's grace period after Ctrl-C must
    /// outlast it, or the runner returns with Azurite and hosts still running.
    /// </summary>
    public static TimeSpan LongestCleanStop =>
        ManagedProcess.KillDeadlineFor(HostShutdown.WorkerStopTimeout(TimeSpan.FromSeconds(WorkerShutdownDeadlineSeconds)))
        + ManagedProcess.KillDeadlineFor(HostShutdown.TriggerHostStopTimeout)
        + AzuriteScript.StopTimeout;

    /// <summary>
    /// How long the worker started with <paramref name="workerSettings"/> takes to stop after SIGTERM: its jobs' deadline
    /// (an override included) plus its host's margin.
    /// </summary>
    /// <exception cref="UsageException">The deadline is no whole number of seconds from 1 to 3600 (<see cref="ShutdownDeadlineSeconds"/>).</exception>
    public static TimeSpan WorkerStopTimeout(IReadOnlyDictionary<string, string> workerSettings)
    {
        ArgumentNullException.ThrowIfNull(workerSettings);
        return HostShutdown.WorkerStopTimeout(TimeSpan.FromSeconds(ShutdownDeadlineSeconds(workerSettings)));
    }

    /// <summary>
    /// The worker's jobs' deadline that <paramref name="workerSettings"/> set (Worker__ShutdownDeadlineSeconds), this
    /// pipeline's own where they set none. One the worker would refuse to start with (no whole number of seconds from 1
    /// to <see cref="HostShutdown.MaxWorkerShutdownDeadlineSeconds"/>) is a usage error (exit 2), refused by
    /// <see cref="StartAsync"/> before anything starts; the kill deadline reckoned from it used to fall back to 10 s
    /// without a word. The value is read as the worker's configuration binder reads an int (its TypeConverter: spaces
    /// around it and a sign are allowed), so that the CLI refuses what the worker refuses, no more.
    /// </summary>
    private static int ShutdownDeadlineSeconds(IReadOnlyDictionary<string, string> workerSettings)
    {
        if (!workerSettings.TryGetValue(ShutdownDeadlineSetting, out var value))
        {
            return WorkerShutdownDeadlineSeconds;
        }

        var asBound = TypeDescriptor.GetConverter(typeof(int));
        return asBound.IsValid(value) && asBound.ConvertFromInvariantString(value) is int seconds and >= 1 and <= HostShutdown.MaxWorkerShutdownDeadlineSeconds
            ? seconds
            : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{ShutdownDeadlineSetting} must be a whole number of seconds from 1 to {HostShutdown.MaxWorkerShutdownDeadlineSeconds} (got '{value}'); nothing was started."));
    }

    /// <summary>Kills the worker like a crashed container and starts a new one (the reliability suite's fault).</summary>
    public async Task RestartWorkerAsync(CancellationToken cancellationToken)
    {
        Worker.Kill();
        Worker = ManagedProcess.Start(workerAssembly, workerSettings, Path.Combine(logDirectory, "worker.log"), WorkerStopTimeout(workerSettings));
        environment.Record.SetChild(WorkerRole, Worker.Id);
        await WaitForWorkerReadyAsync(TimeSpan.FromMinutes(3), cancellationToken);
    }

    /// <summary>Stops Azurite and starts it again with the same data while the hosts keep running (a storage outage).</summary>
    public Task RestartStorageAsync(CancellationToken cancellationToken) => environment.RestartAsync(cancellationToken);

    public async ValueTask DisposeAsync() =>
        await StopInOrder.RunAsync(Worker.DisposeAsync, DevHost.DisposeAsync, environment.DisposeAsync);

    /// <summary>
    /// Leaves Azurite and the hosts running for the user (--keep): a later run does not stop them as left over, and a later
    /// pipeline run on this state folder is refused while they run (<see cref="KeptHosts"/>).
    /// </summary>
    public void Keep()
    {
        KeptHosts.Record(stateDirectory, [(TriggerHostRole, DevHost.Id), (WorkerRole, Worker.Id)]);
        environment.Keep();
    }

    /// <summary>Stops what a failed start-up had started, the worker first and Azurite last (as <see cref="DisposeAsync"/>).</summary>
    private static Task StopStartedAsync(ManagedProcess? worker, ManagedProcess? devHost, LocalEnvironment environment) =>
        StopInOrder.RunAsync(
            () => worker?.DisposeAsync() ?? ValueTask.CompletedTask,
            () => devHost?.DisposeAsync() ?? ValueTask.CompletedTask,
            environment.DisposeAsync);

    /// <summary>
    /// Fails naming the host and its log when the trigger host or the worker has exited: without the trigger host no upload
    /// becomes a job, without the worker no job ends, so waiting on would only run into the timeout.
    /// </summary>
    /// <param name="when">Where in the run, for the message ("during start-up", "while the jobs ran").</param>
    /// <exception cref="InvalidOperationException">A host has exited.</exception>
    public void ThrowIfAHostExited(string when)
    {
        // The trigger host first: a worker ready for jobs that never come is the harder failure to see.
        if (DevHost.HasExited)
        {
            throw new InvalidOperationException($"The trigger host exited {when}; see {LogShown(DevHost)}.");
        }

        if (Worker.HasExited)
        {
            throw new InvalidOperationException($"The GPU worker exited {when}; see {LogShown(Worker)}.");
        }
    }

    /// <summary>
    /// A host's log as messages name it, relative to --out, where demo and soak keep their logs
    /// (<see cref="LocalPipelineSettings.LogDirectory"/>): "logs/worker.log under --out". Never the full path, which holds
    /// whatever the user named --out, and folder names can carry patient names.
    /// </summary>
    private static string LogShown(ManagedProcess host) => $"logs/{Path.GetFileName(host.LogPath)} under --out";

    /// <summary>Throws <see cref="LocalStorageStoppedException"/> when the pipeline's Azurite no longer runs (<see cref="LocalEnvironment.ThrowIfStorageStoppedAsync"/>).</summary>
    public Task ThrowIfStorageStoppedAsync(string when, Exception? cause = null) => environment.ThrowIfStorageStoppedAsync(when, cause);

    private async Task WaitForWorkerReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ThrowIfAHostExited("during start-up");

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{WorkerPort}/readyz"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A slow answer while the model loads.
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new TimeoutException($"The GPU worker was not ready after {timeout.TotalSeconds:F0} s; see {LogShown(Worker)}.");
    }

    /// <summary>
    /// The model's card, or the refusal detect, tune and evaluate give for a model they cannot load: a usage error (exit 2)
    /// named by --model, found before anything starts.
    /// </summary>
    private static ModelCard LoadCard(string modelDirectory)
    {
        try
        {
            return ModelPackage.LoadCard(modelDirectory);
        }
        catch (Exception e) when (ModelLoadRefusal.Applies(e))
        {
            throw ModelLoadRefusal.Of(e);
        }
    }

    private static string BuiltAssembly(string root, string project, string assembly)
    {
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var path = Path.Combine(root, "src", project, "bin", configuration, "net10.0", assembly);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new LocalSetupException($"src/{project} is not built; run ./scripts/demo.sh (it builds the solution first).");
    }

    private static void Override(Dictionary<string, string> settings, IReadOnlyDictionary<string, string> overrides)
    {
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }
    }
}
