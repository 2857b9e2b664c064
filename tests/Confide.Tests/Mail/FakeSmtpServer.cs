using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Confide.Tests.Mail;

/// <summary>
/// A minimal SMTP server on loopback (the external seam a mail relay is): it takes every message
/// in plain text and keeps the DATA of each, or refuses every recipient when told to.
/// </summary>
internal sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FakeSmtpServer(bool refuseRecipients = false)
    {
        RefuseRecipients = refuseRecipients;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public bool RefuseRecipients { get; }

    public List<(string From, string To, string Data)> Received { get; } = [];

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await ServeAsync(client.GetStream());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 fake.smtp ready");
        string from = "", to = "";
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO" or "HELO":
                    await writer.WriteLineAsync("250 fake.smtp");
                    break;
                case "MAIL":
                    from = line;
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    to = line;
                    await writer.WriteLineAsync(RefuseRecipients ? "550 No such user" : "250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 Go ahead");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                    {
                        data.AppendLine(dataLine);
                    }

                    lock (Received)
                    {
                        Received.Add((from, to, data.ToString()));
                    }

                    await writer.WriteLineAsync("250 Queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
