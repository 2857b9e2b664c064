using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// Sends bytes that HttpClient would refuse to (over-long request lines, malformed requests) to
/// a server over TLS, trusting only its local CA, and reads the answer until the server closes
/// the connection or sends the whole body.
/// </summary>
internal static class RawHttps
{
    public sealed record Answer(int Status, IReadOnlyDictionary<string, string> Headers, string Body);

    public static async Task<Answer> SendAsync(int port, X509Certificate2 ca, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("localhost", port, timeout.Token);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, _) => LocalCaClient.IsTrusted(ca, certificate));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }, timeout.Token);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        await tls.FlushAsync(timeout.Token);

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await tls.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException) when (received.Length > 0)
            {
                // The server may reset the connection after a refusal it already sent.
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            if (Parse(received.ToArray()) is { } complete)
            {
                return complete;
            }
        }

        return Parse(received.ToArray()) ?? throw new InvalidOperationException($"No complete HTTP answer: {Encoding.ASCII.GetString(received.ToArray())}");
    }

    private static Answer? Parse(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        var lines = text[..end].Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = text[(end + 4)..];
        if (headers.TryGetValue("content-length", out var length) && Encoding.UTF8.GetByteCount(body) < int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }

        if (headers.TryGetValue("transfer-encoding", out var chunked) && chunked == "chunked")
        {
            if (!body.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                return null;
            }

            body = Dechunk(body);
        }

        return new Answer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, body);
    }

    private static string Dechunk(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[at..lineEnd], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
