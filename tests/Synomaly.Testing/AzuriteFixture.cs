using System.Globalization;
using Synomaly.Storage.Local;

namespace Synomaly.Testing;

/// <summary>
/// A real Azurite for one test assembly, started through scripts/azurite.sh (<see cref="AzuriteScript"/>) on free loopback
/// ports with its own temporary data location, and stopped by PID when the assembly's tests end. Use as an xunit assembly
/// fixture.
/// <para>
/// Besides the shared emulator account (<see cref="ConnectionString"/>) it serves <see cref="PrivateAccountCount"/> more
/// storage accounts, handed out one per caller by <see cref="PrivateAccountConnectionString"/>: for tests that sweep a
/// whole container or table whose name the product fixes (the upload reconciliation lists all of scans/), which on the
/// shared account would take in, or delete, the uploads of the test classes running beside them.
/// </para>
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Private accounts one Azurite serves; Azurite reads its accounts when it starts, so there is no adding more later.</summary>
    public const int PrivateAccountCount = 32;

    private const string SharedAccount = "devstoreaccount1";

    /// <summary>The emulator's published well-known key (scripts/azurite.sh signs with it too), used for every account.</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), "synomaly-azurite-" + Guid.NewGuid().ToString("N"));

    private int privateAccountsHandedOut;

    public string ConnectionString { get; private set; } = "";

    public IReadOnlyDictionary<string, string> ScriptEnvironment { get; private set; } = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        var environment = AzuriteScript.IsolatedEnvironment(stateDirectory);
        // Azurite serves exactly the accounts listed here, so the shared emulator account is listed too.
        environment["AZURITE_ACCOUNTS"] = string.Join(';', new[] { SharedAccount }.Concat(Enumerable.Range(1, PrivateAccountCount).Select(PrivateAccountName)).Select(name => $"{name}:{AccountKey}"));
        ScriptEnvironment = environment;
        ConnectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, ScriptEnvironment, CancellationToken.None);
    }

    /// <summary>
    /// The connection string of a storage account on this Azurite that no other caller gets: its containers, tables and
    /// queues start empty and hold only what its holder writes.
    /// </summary>
    /// <exception cref="InvalidOperationException">All <see cref="PrivateAccountCount"/> private accounts are handed out.</exception>
    public string PrivateAccountConnectionString()
    {
        var number = Interlocked.Increment(ref privateAccountsHandedOut);
        if (number > PrivateAccountCount)
        {
            throw new InvalidOperationException($"All {PrivateAccountCount} private storage accounts of this test assembly's Azurite are handed out; raise AzuriteFixture.PrivateAccountCount.");
        }

        return ForAccount(PrivateAccountName(number));
    }

    public async ValueTask DisposeAsync()
    {
        await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, ScriptEnvironment, CancellationToken.None);
        try
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder only holds the PID file and the log.
        }
    }

    /// <summary>Storage account names: 3 to 24 lower-case letters and digits.</summary>
    private static string PrivateAccountName(int number) => "private" + number.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>The shared account's connection string with another account's name, in its endpoints' paths too (Azurite's path-style URLs).</summary>
    private string ForAccount(string account) => string.Join(';', ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(setting => setting.Split('=', 2) switch
    {
        ["AccountName", _] => "AccountName=" + account,
        [var key, var endpoint] when key.EndsWith("Endpoint", StringComparison.Ordinal) => $"{key}={new Uri(new Uri(endpoint), "/" + account)}",
        _ => setting,
    }));
}
