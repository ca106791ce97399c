using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

/// <summary>
/// scripts/azurite.sh start when another process holds a port: free ports are drawn by binding port 0 and closing it, so
/// two test assemblies can draw the same one, and each must then know that the Azurite answering is not its own.
/// </summary>
public sealed class AzuriteScriptTests
{
    [Fact]
    public async Task Start_fails_naming_the_port_when_another_process_holds_a_port_the_caller_chose()
    {
        using var state = new ScratchDirectory("synomaly-azurite-held");
        using var holder = HoldFreePort();
        int held = ((IPEndPoint)holder.LocalEndpoint).Port;
        var environment = AzuriteScript.IsolatedEnvironment(state.Location).Where(entry => entry.Key.StartsWith("AZURITE_", StringComparison.Ordinal)).ToDictionary();
        environment["AZURITE_QUEUE_PORT"] = held.ToString(CultureInfo.InvariantCulture);
        try
        {
            var failure = await Assert.ThrowsAsync<AzuritePortInUseException>(() => AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken));
            Assert.Contains($"port {held} on 127.0.0.1 is already in use", failure.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state.Location, "azurite.pid")), "the failed start left its Azurite recorded as running");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Start_draws_new_ports_when_another_process_took_a_drawn_port()
    {
        using var state = new ScratchDirectory("synomaly-azurite-redraw");
        var environment = AzuriteScript.IsolatedEnvironment(state.Location);
        int taken = int.Parse(environment["AZURITE_BLOB_PORT"], CultureInfo.InvariantCulture);
        using var holder = new TcpListener(IPAddress.Loopback, taken);
        holder.Start();
        try
        {
            string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken);
            Assert.DoesNotContain($"http://127.0.0.1:{taken}/", connectionString, StringComparison.Ordinal);
            var blobService = new BlobServiceClient(connectionString);
            await blobService.GetBlobContainerClient("probe").CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    private static TcpListener HoldFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }
}
