using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Confide.Tests.Infrastructure;

internal static class FreePorts
{
    // A port is free once its probe listener closes, so the system may hand it out again to the
    // next probe: a test server then got the same port for two regions. Each port is given once.
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }
    }
}
