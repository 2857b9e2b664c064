using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// SoftHSM2 tokens for the PKCS#11 tests. The module reads <c>SOFTHSM2_CONF</c> once, at
/// C_Initialize, so the whole test process uses one configuration and token directory (created
/// on first use in the temp directory) and every test gets a fresh token of its own in it.
/// Without SoftHSM2 the tests are skipped, visibly; with <c>CONFIDE_TEST_REQUIRE_PKCS11=1</c>
/// (scripts/test.sh) they fail instead. The module is found at Debian's path or at
/// <c>CONFIDE_TEST_PKCS11_LIBRARY</c>.
/// </summary>
internal static class TestHsm
{
    private static readonly string[] KnownLibraries =
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ];

    private static readonly Lazy<string> Configuration = new(CreateConfiguration);

    public static string? Library =>
        (Environment.GetEnvironmentVariable("CONFIDE_TEST_PKCS11_LIBRARY") is { Length: > 0 } configured ? [configured] : KnownLibraries).FirstOrDefault(File.Exists);

    /// <summary>When set (CI), a missing SoftHSM2 fails the PKCS#11 tests instead of skipping them.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("CONFIDE_TEST_REQUIRE_PKCS11") == "1";

    /// <summary>The SOFTHSM2_CONF file every process of this test run uses (the test process and servers it starts).</summary>
    public static string ConfigurationPath => Configuration.Value;

    /// <summary>Initialises a new token with random PINs; skips (or, when required, fails) the test if SoftHSM2 is not installed.</summary>
    public static HsmToken CreateToken()
    {
        var library = Library;
        var util = FindOnPath("softhsm2-util");
        if (library is null || util is null)
        {
            var reason = "SoftHSM2 is not installed (Debian package softhsm2; or set CONFIDE_TEST_PKCS11_LIBRARY).";
            if (Required)
            {
                Assert.Fail($"CONFIDE_TEST_REQUIRE_PKCS11=1 but {reason}");
            }

            Assert.Skip(reason);
        }

        var label = $"confide-test-{Guid.NewGuid():N}"[..32];
        var pin = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var soPin = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var info = new ProcessStartInfo(util) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["SOFTHSM2_CONF"] = ConfigurationPath;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"softhsm2-util --init-token failed: {output}");
        return new HsmToken(library, label, pin, ConfigurationPath);
    }

    private static string CreateConfiguration()
    {
        var directory = Directory.CreateTempSubdirectory("confide-softhsm-").FullName;
        var tokens = Directory.CreateDirectory(Path.Combine(directory, "tokens")).FullName;
        var path = Path.Combine(directory, "softhsm2.conf");
        File.WriteAllText(path, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        // The module reads the variable with getenv(); .NET's Environment does not reach the C runtime's copy.
        NativeMethods.SetEnvironmentVariable("SOFTHSM2_CONF", path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        return path;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        private static extern int SetEnv(string name, string value, int overwrite);

        public static void SetEnvironmentVariable(string name, string value)
        {
            Assert.True(SetEnv(name, value, 1) == 0, $"setenv({name}) failed.");
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}

/// <summary>A fresh SoftHSM2 token: everything a provider, a server or the CLI needs to log in to it.</summary>
internal sealed record HsmToken(string Library, string Label, string Pin, string ConfigurationPath);
