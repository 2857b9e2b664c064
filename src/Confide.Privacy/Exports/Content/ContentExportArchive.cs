using System.Globalization;
using System.IO.Compression;
using System.Text;
using Confide.Data;

namespace Confide.Privacy.Exports.Content;

/// <summary>
/// A data export's files in its export directory: the CSV segments the job writes (sealed, no
/// header) and the download, <c>data.csv.gz.sealed</c> (the gzipped CSV with its header, sealed).
/// Rows are dropped by contact id in both: when the segments are joined (contacts erased since)
/// and when a contact is erased later (<see cref="ContentExportData"/>).
/// </summary>
internal static class ContentExportArchive
{
    public const string ArchiveName = "data.csv.gz.sealed";

    private static readonly UTF8Encoding Utf8 = new(false);

    public static string SegmentPath(string directory, int index) =>
        Path.Combine(directory, $"segment-{index.ToString("D6", CultureInfo.InvariantCulture)}.csv.sealed");

    public static string ArchivePath(string directory) => Path.Combine(directory, ArchiveName);

    /// <summary>Joins the segments into the download, with the rows of contacts that still exist; returns how many rows it holds. Doing it twice gives the same file.</summary>
    public static async Task<long> AssembleAsync(CellDatabase cell, string workspaceId, string directory, string exportId, byte[] key, int segments, CancellationToken ct)
    {
        var archivePath = ArchivePath(directory);
        if (segments == 0)
        {
            return 0;
        }

        if (File.Exists(archivePath) && !File.Exists(SegmentPath(directory, 0)))
        {
            return CountRows(archivePath, exportId, key); // assembled by an earlier run whose completion was not recorded
        }

        var paths = Enumerable.Range(0, segments).Select(i => SegmentPath(directory, i)).ToList();
        var contacts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            using var reader = new StreamReader(SubjectExportFiles.OpenSealed(path, exportId, key), Utf8);
            contacts.UnionWith(ContentExportCsv.Records(reader).Select(r => r.FirstField));
        }

        var existing = await ContentExportReader.ExistingAsync(cell, workspaceId, contacts, ct);
        long kept = 0;
        using (var sealedArchive = SubjectExportFiles.CreateSealed(archivePath, exportId, key))
        using (var writer = new StreamWriter(new GZipStream(sealedArchive, CompressionLevel.Optimal), Utf8, 1 << 16))
        {
            writer.Write(ContentExportCsv.Header);
            foreach (var path in paths)
            {
                using var reader = new StreamReader(SubjectExportFiles.OpenSealed(path, exportId, key), Utf8);
                foreach (var (contactId, record) in ContentExportCsv.Records(reader))
                {
                    if (existing.Contains(contactId))
                    {
                        writer.Write(record);
                        kept++;
                    }
                }
            }
        }

        SubjectExportFiles.Commit(archivePath);
        // The head last: its absence is what says "assembled" to a repeated run.
        for (var i = segments - 1; i >= 0; i--)
        {
            File.Delete(paths[i]);
        }

        // A contact erased while the file was written: its erasure found no download yet to clean.
        var stillThere = await ContentExportReader.ExistingAsync(cell, workspaceId, existing, ct);
        if (stillThere.Count < existing.Count)
        {
            kept -= DropRows(archivePath, exportId, key, gzipped: true, c => !stillThere.Contains(c));
        }

        return kept;
    }

    /// <summary>
    /// Rewrites every file of the export without the rows of the contacts <paramref name="drop"/>
    /// names; returns how many rows went. A file without such rows is left as it is.
    /// </summary>
    public static long DropRows(string directory, string exportId, byte[] key, Func<string, bool> drop)
    {
        long dropped = 0;
        foreach (var segment in Directory.GetFiles(directory, "segment-*.csv.sealed"))
        {
            dropped += DropRows(segment, exportId, key, gzipped: false, drop);
        }

        var archive = ArchivePath(directory);
        return File.Exists(archive) ? dropped + DropRows(archive, exportId, key, gzipped: true, drop) : dropped;
    }

    private static long DropRows(string path, string exportId, byte[] key, bool gzipped, Func<string, bool> drop)
    {
        // Its own temporary name: the job's segment writes use "<path>.tmp".
        var temporary = path + ".erasure.tmp";
        long dropped = 0;
        using (var source = SubjectExportFiles.OpenSealed(path, exportId, key))
        using (var reader = new StreamReader(gzipped ? new GZipStream(source, CompressionMode.Decompress) : source, Utf8))
        using (var target = new SealingStream(new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16), exportId, key))
        using (var writer = new StreamWriter(gzipped ? new GZipStream(target, CompressionLevel.Optimal) : target, Utf8, 1 << 16))
        {
            if (gzipped)
            {
                writer.Write(reader.ReadLine() + "\n"); // the header
            }

            foreach (var (contactId, record) in ContentExportCsv.Records(reader))
            {
                if (drop(contactId))
                {
                    dropped++;
                }
                else
                {
                    writer.Write(record);
                }
            }
        }

        if (dropped == 0)
        {
            File.Delete(temporary);
            return 0;
        }

        using (var file = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return dropped;
    }

    private static long CountRows(string archivePath, string exportId, byte[] key)
    {
        using var reader = new StreamReader(new GZipStream(SubjectExportFiles.OpenSealed(archivePath, exportId, key), CompressionMode.Decompress), Utf8);
        reader.ReadLine();
        return ContentExportCsv.Records(reader).LongCount();
    }
}
