using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Confide.Crypto;

/// <summary>
/// Reading, replacing and locking a key file. A replacement is written to a temporary file in
/// the same directory, flushed to disk, renamed over the old file and the directory flushed:
/// a reader (or a crash) sees the old file or the new one, never a missing or half-written one.
/// </summary>
internal static class KeyFileStorage
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>When the file was last replaced and how long it is: a cheap "has it changed?" check.</summary>
    public readonly record struct Stamp(DateTime LastWriteUtc, long Length);

    public static Stamp? StampOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new Stamp(info.LastWriteTimeUtc, info.Length) : null;
    }

    /// <summary>The versions in the file and its stamp; fails closed (missing, exposed, corrupt) with a message naming owner and file.</summary>
    public static (List<MasterKeyVersion> Versions, Stamp Stamp) Read(string owner, string path)
    {
        if (!File.Exists(path))
        {
            throw new MasterKeyUnavailableException(
                $"{owner}: the master key file {path} is missing. Restore it from your key backup; without it the data it protects cannot be read.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                throw new MasterKeyUnavailableException(
                    $"{owner}: the master key file {path} is readable by other users; run 'chmod 600' on it.");
            }
        }

        // Stamp first: if the file is replaced between the two calls, the next check sees a
        // newer stamp and reads again, rather than trusting stale contents under a new stamp.
        var stamp = StampOf(path);
        var bytes = File.ReadAllBytes(path);
        try
        {
            var versions = KeyFileFormat.Parse(bytes);
            if (versions is null || stamp is null)
            {
                throw new MasterKeyUnavailableException($"{owner}: the master key file {path} is corrupt or not a Confide key file.");
            }

            return (versions, stamp.Value);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="path"/> (0600); with <paramref name="replace"/> false, an existing file wins.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes, bool replace)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: replace);
            FlushDirectory(directory);
        }
        catch (IOException) when (!replace && File.Exists(path))
        {
            // Another process created it first: use theirs.
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Holds <c>&lt;path&gt;.lock</c> exclusively while a process changes the key file, so two
    /// rotations never both start from the same contents and one version is lost. The lock is
    /// the operating system's (flock), released when the process ends, so a crash leaves no stale lock.
    /// </summary>
    public static async Task<IDisposable> LockAsync(string owner, string path, CancellationToken cancellationToken)
    {
        var lockPath = path + ".lock";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (IOException ex)
            {
                throw new MasterKeyUnavailableException($"{owner}: another process has been changing the master key file {path} for over {LockTimeout.TotalSeconds:0} s ({ex.Message}).");
            }
        }
    }

    /// <summary>Makes the rename durable: without it a power loss could bring back the old file after the database already relies on the new one.</summary>
    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // .NET does not open directories, hence open(2)/fsync(2) directly.
        var descriptor = Open([.. System.Text.Encoding.UTF8.GetBytes(directory), 0], 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot flush {directory} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    // Blittable arguments only (the path as NUL-terminated UTF-8), so no marshalling code is needed.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}
