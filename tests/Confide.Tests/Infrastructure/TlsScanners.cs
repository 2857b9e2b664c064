using System.Diagnostics;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// The external TLS scanners, testssl (Debian package testssl.sh) and sslscan. Without them the
/// scan tests are skipped, visibly; with <c>CONFIDE_TEST_REQUIRE_TLS_SCANNERS=1</c> (scripts/test.sh
/// installs both and sets it) a missing scanner fails the test instead.
/// </summary>
internal static class TlsScanners
{
    public static bool Required => Environment.GetEnvironmentVariable("CONFIDE_TEST_REQUIRE_TLS_SCANNERS") == "1";

    public static void EnsureInstalled(string tool)
    {
        var installed = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, tool)));
        if (installed)
        {
            return;
        }

        var reason = $"{tool} is not installed (Debian packages testssl.sh and sslscan; scripts/test.sh installs them).";
        if (Required)
        {
            Assert.Fail($"CONFIDE_TEST_REQUIRE_TLS_SCANNERS=1 but {reason}");
        }

        Assert.Skip(reason);
    }

    /// <summary>Runs a scanner to completion; its exit code says nothing about findings, so callers parse its report file.</summary>
    public static async Task<string> RunAsync(string tool, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} could not be started.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {timeout}.");
        }

        return await stdout + await stderr;
    }

    /// <summary>The repository's <c>docs</c> directory.</summary>
    public static string DocsDirectory() => Path.Combine(Checkout.Root(), "docs");
}
