using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy to a server (PostgreSQL) that a test can cut: <see cref="Cut"/> resets
/// every open connection and refuses new ones, as a crashed or unreachable database server
/// looks to its clients; <see cref="Restore"/> listens again on the same port.
/// </summary>
public sealed class CuttableTcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private TcpListener _listener;
    private CancellationTokenSource _accepting = new();

    public CuttableTcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync(_listener, _accepting.Token);
    }

    public int Port { get; }

    public void Cut()
    {
        _accepting.Cancel();
        _listener.Stop();
        foreach (var client in _open.Keys)
        {
            try
            {
                // RST, not a polite FIN. A pipe closing at this moment may have disposed it already.
                client.Client?.LingerState = new LingerOption(true, 0);
            }
            catch (ObjectDisposedException)
            {
            }

            client.Dispose();
        }

        _open.Clear();
    }

    public void Restore()
    {
        _accepting.Dispose();
        _accepting = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = AcceptAsync(_listener, _accepting.Token);
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stopping)
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stopping);
                _ = PipeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var server = new TcpClient();
        _open[client] = 0;
        _open[server] = 0;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            var up = client.GetStream().CopyToAsync(server.GetStream());
            var down = server.GetStream().CopyToAsync(client.GetStream());
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(server, out _);
            client.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        _accepting.Dispose();
        return ValueTask.CompletedTask;
    }
}
