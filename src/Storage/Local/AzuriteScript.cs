using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Synomaly.Storage.Local;

/// <summary>Runs scripts/azurite.sh, the one place that knows how to start and stop the pinned Azurite by PID.</summary>
public static partial class AzuriteScript
{
    /// <summary>The exit status of scripts/azurite.sh start when another process holds one of the ports it was given.</summary>
    public const int PortInUseExitCode = 3;

    /// <summary>Marks an environment from <see cref="IsolatedEnvironment"/>: its ports were drawn at random and may be drawn again.</summary>
    private const string DrawnPortsVariable = "SYNOMALY_AZURITE_DRAWN_PORTS";

    private const int PortDraws = 5;

    private static readonly string[] PortVariables = ["AZURITE_BLOB_PORT", "AZURITE_QUEUE_PORT", "AZURITE_TABLE_PORT"];

    /// <summary>
    /// How long scripts/azurite.sh stop waits for Azurite to save its state and exit (its 300 polls of 0.1 s) before it
    /// gives up: what a caller stopping Azurite must allow for.
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long an interrupted script may take to stop what it began (Azurite is given <see cref="StopTimeout"/>).</summary>
    private static readonly TimeSpan InterruptGrace = StopTimeout + TimeSpan.FromSeconds(15);

    /// <summary>What scripts/azurite.sh start prints on stderr when this state folder's Azurite was already running.</summary>
    public const string AlreadyRunningNotice = "azurite: already running";

    /// <summary>Starts Azurite, or finds it running, and returns its connection string (<see cref="StartOrFindAsync"/>).</summary>
    public static async Task<string> StartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        (await StartOrFindAsync(repositoryRoot, environment, cancellationToken)).ConnectionString;

    /// <summary>
    /// Starts Azurite, or finds this state folder's Azurite already running (then it is left as it is), and says which: only
    /// the caller that started it may stop it. A free port is only free when it is drawn: another process (the Azurite of a
    /// test assembly running beside this one) may take it before Azurite binds it. With ports from
    /// <see cref="IsolatedEnvironment"/> the start then draws new ones and tries again; ports the caller chose are not changed.
    /// </summary>
    public static async Task<AzuriteInstance> StartOrFindAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        for (int draw = 1; ; draw++)
        {
            try
            {
                var (stdout, stderr) = await RunAsync(repositoryRoot, "start", environment, cancellationToken);
                return new AzuriteInstance(stdout.Trim(), StartedHere: !stderr.Contains(AlreadyRunningNotice, StringComparison.Ordinal));
            }
            catch (AzuritePortInUseException) when (environment is not null && environment.ContainsKey(DrawnPortsVariable) && draw < PortDraws)
            {
                environment = WithNewPorts(environment);
            }
        }
    }

    /// <summary>Stops Azurite by PID and starts it again on the same ports and data: a storage outage that loses nothing.</summary>
    public static async Task<string> RestartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        (await RunAsync(repositoryRoot, "restart", environment, cancellationToken)).Stdout.Trim();

    /// <summary>The variables for an Azurite of its own: a private state folder and free ports.</summary>
    public static Dictionary<string, string> IsolatedEnvironment(string stateDirectory) =>
        WithNewPorts(new Dictionary<string, string> { ["AZURITE_DIR"] = stateDirectory, [DrawnPortsVariable] = "1" });

    private static Dictionary<string, string> WithNewPorts(IReadOnlyDictionary<string, string> environment)
    {
        var drawn = environment.ToDictionary();
        foreach (var variable in PortVariables)
        {
            drawn[variable] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        }

        return drawn;
    }

    public static Task StopAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken) =>
        RunAsync(repositoryRoot, "stop", environment, cancellationToken);

    /// <summary>
    /// Whether this state folder's Azurite runs (scripts/azurite.sh status: the recorded process, started on this folder's
    /// data); a local run asks when a storage call fails, to tell a stopped emulator from any other failure. Only exit 1
    /// means "not running": any other failure (no script, 127; a usage error, 2) is an error of its own, not a stopped
    /// emulator, which the caller would otherwise report in its place.
    /// </summary>
    public static async Task<bool> IsRunningAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var run = await ExecuteAsync(repositoryRoot, "status", environment, cancellationToken);
        return run.ExitCode switch
        {
            0 => true,
            1 => false,
            _ => throw Failed("status", run),
        };
    }

    private static ProcessStartInfo ScriptStart(string repositoryRoot, string verb, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(repositoryRoot, "scripts", "azurite.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repositoryRoot,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static async Task<(string Stdout, string Stderr)> RunAsync(string repositoryRoot, string verb, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var run = await ExecuteAsync(repositoryRoot, verb, environment, cancellationToken);
        if (run.ExitCode == PortInUseExitCode)
        {
            throw PortInUse(verb, run);
        }

        if (run.ExitCode != 0)
        {
            throw Failed(verb, run);
        }

        return (run.Stdout, run.Stderr);
    }

    /// <summary>Runs the script to its end (a cancelled caller interrupts it) and returns its exit code and output.</summary>
    private static async Task<ScriptRun> ExecuteAsync(string repositoryRoot, string verb, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        using var process = Start(ScriptStart(repositoryRoot, verb, environment), verb);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Left running, the script would go on to start an Azurite that the caller, cancelled, never hears of.
            await InterruptAsync(process);
            throw;
        }

        return new ScriptRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts bash on the script. A start that fails (the repository folder gone, no bash) is told by the OS's reason alone:
    /// .NET's message quotes the working directory, the repository's full path, and the command line prints this one as it
    /// is (folder names can carry patient names).
    /// </summary>
    private static Process Start(ProcessStartInfo start, string verb)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("Could not start bash to run scripts/azurite.sh.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Could not start bash to run scripts/azurite.sh {verb} in the repository folder: {new Win32Exception(e.NativeErrorCode).Message}.", e);
        }
    }

    /// <summary>
    /// A run of the script that failed, told by its exit code and the state folder by its role, never by what the script
    /// said: that quotes the state folder (mkdir refusing it, "not listening after 60 s; see .../azurite.log"), which
    /// AZURITE_DIR may put anywhere, folder names can carry patient names, and the command line prints this message as it
    /// is. What the script said is the inner exception, which SYNOMALY_DEBUG=1 and a failed test's output show.
    /// </summary>
    private static InvalidOperationException Failed(string verb, ScriptRun run) =>
        new($"scripts/azurite.sh {verb} failed (exit {run.ExitCode}). What it said is left out, as it may quote the path of "
            + "Azurite's state folder (AZURITE_DIR, by default .azurite in the repository): SYNOMALY_DEBUG=1 shows it, and "
            + "azurite.log in that folder holds Azurite's own output.",
            new InvalidOperationException($"scripts/azurite.sh {verb} said: {run.Stderr.Trim()}"));

    /// <summary>
    /// A start that found a port held, told by the script's line naming the port, which quotes no path, and nothing else it
    /// said: a start on a crashed Azurite's data first says whose state folder it starts again, by its path (as
    /// <see cref="Failed"/>, the rest is the inner exception).
    /// </summary>
    private static AzuritePortInUseException PortInUse(string verb, ScriptRun run) =>
        new(
            $"scripts/azurite.sh {verb} failed (exit {run.ExitCode}): {(PortInUseLine().Match(run.Stderr) is { Success: true } line ? line.Value : "a port it was given is held by another process")}",
            new InvalidOperationException($"scripts/azurite.sh {verb} said: {run.Stderr.Trim()}"));

    /// <summary>scripts/azurite.sh's line for a port held by another process.</summary>
    [GeneratedRegex(@"azurite: port \d+ on 127\.0\.0\.1 is already in use by another process; Azurite did not start")]
    private static partial Regex PortInUseLine();

    private sealed record ScriptRun(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Asks the script to stop (SIGTERM: a start stops the Azurite it began, see scripts/azurite.sh) and waits until it has;
    /// one that does not end in time is killed with its children. .NET can only SIGKILL a process, so kill(1) sends it.
    /// </summary>
    private static async Task InterruptAsync(Process process)
    {
        try
        {
            using (var signal = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])))
            {
                if (signal is not null)
                {
                    await signal.WaitForExitAsync(CancellationToken.None);
                }
            }

            using var grace = new CancellationTokenSource(InterruptGrace);
            await process.WaitForExitAsync(grace.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // No kill(1), or the script did not stop in time: end it and what it launched the hard way.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
