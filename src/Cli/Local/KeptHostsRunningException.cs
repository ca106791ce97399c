using System.Globalization;

namespace Synomaly.Cli.Local;

/// <summary>
/// Hosts an earlier `demo --keep` left running on this Azurite state folder still run (<see cref="KeptHosts"/>): a new
/// pipeline beside them would share their Azurite and queues, and they would take its jobs. A local run in progress, as
/// far as the new run is concerned.
/// </summary>
public sealed class KeptHostsRunningException : InvalidOperationException
{
    public KeptHostsRunningException()
    {
    }

    public KeptHostsRunningException(string message)
        : base(message)
    {
    }

    public KeptHostsRunningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The refusal naming each kept host by role and PID, and the commands that stop them.</summary>
    public static KeptHostsRunningException For(string stateDirectory, IReadOnlyList<(string Role, int Pid)> running)
    {
        ArgumentNullException.ThrowIfNull(running);
        string hosts = string.Join(" and ", running.Select(h => string.Create(CultureInfo.InvariantCulture, $"the {h.Role} (PID {h.Pid})")));
        string pids = string.Join(' ', running.Select(h => h.Pid.ToString(CultureInfo.InvariantCulture)));
        return new(
            $"an earlier `synomaly demo --keep` left {hosts} running on the Azurite state folder {stateDirectory}; they would take this run's jobs from the same queues. "
            + $"Stop them first (kill {pids}; scripts/azurite.sh stop ends their Azurite), or give this run a state folder and ports of its own (AZURITE_DIR, AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT).");
    }
}
