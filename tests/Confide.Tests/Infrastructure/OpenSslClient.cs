using System.Diagnostics;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// <c>openssl s_client</c> as an independent TLS client that can offer exactly the protocol and
/// suites a test names (SslStream cannot offer TLS 1.0/1.1 or CBC-only lists on this OpenSSL).
/// </summary>
internal static class OpenSslClient
{
    /// <summary>Runs one handshake; returns whether it completed and everything s_client printed.</summary>
    public static async Task<(bool Connected, string Output)> HandshakeAsync(int port, params string[] options)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost", .. options])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl could not be started.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        // A completed handshake prints the negotiated suite; a refused one "Cipher is (NONE)" or nothing.
        var connected = process.ExitCode == 0 && output.Contains("Cipher is ", StringComparison.Ordinal) && !output.Contains("Cipher is (NONE)", StringComparison.Ordinal);
        return (connected, output);
    }
}
