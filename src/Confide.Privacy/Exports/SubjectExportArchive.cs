using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Confide.Privacy.Exports;

/// <summary>
/// Joins an export's sealed segments into its archive, a zip of <c>subject.json</c> and
/// <c>index.html</c>, sealed as it is written: segments are opened and copied a chunk at a time,
/// never held whole. The archive is written under a temporary name and moved into place, then the
/// segments are deleted; doing it twice gives the same archive.
/// </summary>
internal static class SubjectExportArchive
{
    public const string JsonEntry = "subject.json";
    public const string HtmlEntry = "index.html";

    public static string SegmentPath(string directory, int index, string extension) =>
        Path.Combine(directory, $"segment-{index.ToString("D6", CultureInfo.InvariantCulture)}.{extension}.sealed");

    public static void Assemble(string directory, string exportId, byte[] key, int segments)
    {
        var archivePath = Path.Combine(directory, SubjectExportFiles.ArchiveName);
        if (File.Exists(archivePath) && !File.Exists(SegmentPath(directory, 0, "json")))
        {
            return; // assembled by an earlier run whose completion was not recorded
        }

        using (var sealedArchive = SubjectExportFiles.CreateSealed(archivePath, exportId, key))
        using (var zip = new ZipArchive(sealedArchive, ZipArchiveMode.Create, leaveOpen: false))
        {
            using (var json = zip.CreateEntry(JsonEntry, CompressionLevel.Fastest).Open())
            {
                using (var head = SubjectExportFiles.OpenSealed(SegmentPath(directory, 0, "json"), exportId, key))
                {
                    head.CopyTo(json);
                }

                var wroteAny = false;
                for (var i = 1; i < segments; i++)
                {
                    using var piece = SubjectExportFiles.OpenSealed(SegmentPath(directory, i, "json"), exportId, key);
                    wroteAny |= CopyArrayItems(piece, json, separatorFirst: wroteAny);
                }

                json.Write(SubjectExportDocument.JsonTail);
            }

            using (var html = zip.CreateEntry(HtmlEntry, CompressionLevel.Fastest).Open())
            {
                for (var i = 0; i < segments; i++)
                {
                    using var piece = SubjectExportFiles.OpenSealed(SegmentPath(directory, i, "html"), exportId, key);
                    piece.CopyTo(html);
                }

                html.Write(Encoding.UTF8.GetBytes(SubjectExportDocument.HtmlTail));
            }
        }

        SubjectExportFiles.Commit(archivePath);
        for (var i = 0; i < segments; i++)
        {
            File.Delete(SegmentPath(directory, i, "json"));
            File.Delete(SegmentPath(directory, i, "html"));
        }
    }

    /// <summary>Copies what is between a JSON array's brackets (<c>[a,b]</c> → <c>a,b</c>), preceded by a comma when asked; false for an empty array.</summary>
    private static bool CopyArrayItems(Stream source, Stream target, bool separatorFirst)
    {
        var buffer = new byte[1 << 16];
        var skippedOpening = false;
        var wrote = false;
        int? pending = null;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            if (!skippedOpening)
            {
                span = span[1..];
                skippedOpening = true;
            }

            if (span.IsEmpty)
            {
                continue;
            }

            if (pending is { } held)
            {
                Write(target, [(byte)held], ref wrote, separatorFirst);
            }

            Write(target, span[..^1], ref wrote, separatorFirst);
            pending = span[^1];
        }

        return wrote; // the held-back last byte is the closing bracket
    }

    private static void Write(Stream target, ReadOnlySpan<byte> bytes, ref bool wrote, bool separatorFirst)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (!wrote && separatorFirst)
        {
            target.WriteByte((byte)',');
        }

        target.Write(bytes);
        wrote = true;
    }
}
