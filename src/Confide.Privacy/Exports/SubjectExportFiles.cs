using System.Security.Cryptography;
using Confide.Crypto;
using Confide.Data;
using Confide.Platform;
using Microsoft.Extensions.Options;

namespace Confide.Privacy.Exports;

/// <summary>
/// Where an export lives on disk — <c>&lt;data&gt;/exports/&lt;region&gt;/&lt;export id&gt;/</c>, holding
/// <c>key</c> (the export's 256-bit key wrapped under the workspace's data key), the work
/// segments while the job runs, and <c>archive.zip.sealed</c> — and the export's key. Every file
/// but the key is in <see cref="SealedChunks"/> format: nothing of the subject is on disk in clear.
/// Deleting the directory deletes the export.
/// </summary>
public sealed class SubjectExportFiles(WorkspaceKeyRing workspaceKeys, IOptions<ConfideOptions> options)
{
    public const string ArchiveName = "archive.zip.sealed";

    private const int DeleteAttempts = 5;

    public string Directory(Region region, string exportId) =>
        Path.Combine(options.Value.DataDirectoryFullPath, "exports", region.Code, exportId);

    public string ArchivePath(Region region, string exportId) => Path.Combine(Directory(region, exportId), ArchiveName);

    /// <summary>The export's key: made and stored (wrapped) on first use, unwrapped afterwards. A repeated first step finds the stored one.</summary>
    public async Task<byte[]> KeyAsync(CellDatabase cell, string workspaceId, string exportId, bool create, CancellationToken ct)
    {
        var path = Path.Combine(Directory(cell.Region, exportId), "key");
        if (File.Exists(path))
        {
            var wrapped = await File.ReadAllBytesAsync(path, ct);
            var unwrapKey = await workspaceKeys.DataKeyAsync(cell, workspaceId, FieldCipher.KeyIdOf(wrapped), ct);
            return FieldCipher.Decrypt(unwrapKey, WrapContext(cell.Region, workspaceId, exportId), wrapped);
        }

        if (!create)
        {
            throw new ConfideException(ConfideError.NotFound("Export"));
        }

        System.IO.Directory.CreateDirectory(Directory(cell.Region, exportId));
        var key = RandomNumberGenerator.GetBytes(32);
        var workspaceKey = await workspaceKeys.DataKeyAsync(cell, workspaceId, ct);
        await WriteAtomicallyAsync(path, FieldCipher.Encrypt(workspaceKey, WrapContext(cell.Region, workspaceId, exportId), key), ct);
        return key;
    }

    /// <summary>Writes a whole small file under a temporary name, then moves it into place (a crash leaves the old file or the new one).</summary>
    internal static async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken ct)
    {
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, content, ct);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Opens a sealed file for writing under a temporary name; <see cref="Commit"/> moves it into place once finished.</summary>
    internal static SealingStream CreateSealed(string path, string exportId, byte[] key) =>
        new(new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), exportId, key);

    internal static void Commit(string path)
    {
        using (var file = new FileStream(path + ".tmp", FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        File.Move(path + ".tmp", path, overwrite: true);
    }

    internal static OpeningStream OpenSealed(string path, string exportId, byte[] key) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), exportId, key);

    /// <summary>
    /// Deletes an export's files; true when there was something to delete. A running export job
    /// may be writing a segment into the directory at that moment (a recursive delete then finds
    /// it not empty): the delete is retried a few times, and the job, finding its subject erased,
    /// deletes what it wrote itself.
    /// </summary>
    public bool Delete(Region region, string exportId)
    {
        var directory = Directory(region, exportId);
        for (var attempt = 1; ; attempt++)
        {
            if (!System.IO.Directory.Exists(directory))
            {
                return attempt > 1;
            }

            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (IOException) when (attempt < DeleteAttempts)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(20 * attempt));
            }
        }
    }

    private static FieldContext WrapContext(Region region, string workspaceId, string exportId) =>
        new(workspaceId, region.Code, "subject_export", exportId, "key");
}
