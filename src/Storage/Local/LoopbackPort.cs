using System.Net;
using System.Net.Sockets;

namespace Synomaly.Storage.Local;

/// <summary>Free TCP ports on 127.0.0.1, so that several local pipelines (tests, a soak beside a demo) never collide.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
