using System.Diagnostics;

namespace Confide.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted at a directory, for filling the disk under a SQLite database for real
/// (ENOSPC, not a simulation). Mounting needs root (or CAP_SYS_ADMIN); without it the test is
/// skipped, visibly, unless <c>CONFIDE_TEST_REQUIRE_MOUNT=1</c> says it must run.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly string _filler;

    private SmallDisk(string path)
    {
        Path = path;
        _filler = System.IO.Path.Combine(path, "filler");
    }

    public string Path { get; }

    public static async Task<SmallDisk> MountAsync(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        var (exitCode, error) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0700", "tmpfs", path);
        if (exitCode != 0)
        {
            Assert.False(Environment.GetEnvironmentVariable("CONFIDE_TEST_REQUIRE_MOUNT") == "1", $"CONFIDE_TEST_REQUIRE_MOUNT=1 but mounting a tmpfs failed: {error}");
            Assert.Skip($"Cannot mount a tmpfs here (needs root): {error.Trim()}");
        }

        return new SmallDisk(path);
    }

    /// <summary>Writes a file until the disk has no space left.</summary>
    public void Fill()
    {
        var block = new byte[64 * 1024];
        using var file = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Top up the last partial block, byte by byte in small writes.
        }

        try
        {
            while (true)
            {
                file.Write(block, 0, 512);
                file.Flush();
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Gives the space back.</summary>
    public void Free() => File.Delete(_filler);

    public void Dispose()
    {
        // Lazy: connections a disposed server leaves in a pool must not keep the mount.
        using var umount = Process.Start("umount", ["-l", Path]);
        umount.WaitForExit();
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
