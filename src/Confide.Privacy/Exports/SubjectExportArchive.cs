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

    public static string ActivityPath(string directory, int index, string extension) =>
        Path.Combine(directory, $"activity-{index.ToString("D6", CultureInfo.InvariantCulture)}.{extension}.sealed");

    public static void Assemble(string directory, string exportId, byte[] key, int segments, int activitySegments)
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

                CopyItems(Enumerable.Range(1, Math.Max(0, segments - 1)).Select(i => SegmentPath(directory, i, "json")), json, exportId, key);
                json.Write(SubjectExportDocument.JsonBetweenPartsAndActivity);
                CopyItems(Enumerable.Range(0, activitySegments).Select(i => ActivityPath(directory, i, "json")), json, exportId, key);
                json.Write(SubjectExportDocument.JsonTail);
            }

            using (var html = zip.CreateEntry(HtmlEntry, CompressionLevel.Fastest).Open())
            {
                for (var i = 0; i < segments; i++)
                {
                    using var piece = SubjectExportFiles.OpenSealed(SegmentPath(directory, i, "html"), exportId, key);
                    piece.CopyTo(html);
                }

                html.Write(Encoding.UTF8.GetBytes(SubjectExportDocument.HtmlBetweenPartsAndActivity));
                for (var i = 0; i < activitySegments; i++)
                {
                    using var piece = SubjectExportFiles.OpenSealed(ActivityPath(directory, i, "html"), exportId, key);
                    piece.CopyTo(html);
                }

                html.Write(Encoding.UTF8.GetBytes(SubjectExportDocument.HtmlTail));
            }
        }

        SubjectExportFiles.Commit(archivePath);
        for (var i = 0; i < activitySegments; i++)
        {
            File.Delete(ActivityPath(directory, i, "json"));
            File.Delete(ActivityPath(directory, i, "html"));
        }

        // The head last: its absence is what says "assembled" to a repeated run.
        for (var i = segments - 1; i >= 0; i--)
        {
            File.Delete(SegmentPath(directory, i, "json"));
            File.Delete(SegmentPath(directory, i, "html"));
        }
    }

    /// <summary>Copies the items of the JSON-array segments in <paramref name="paths"/> as one comma-separated run.</summary>
    private static void CopyItems(IEnumerable<string> paths, Stream json, string exportId, byte[] key)
    {
        var wroteAny = false;
        foreach (var path in paths)
        {
            using var piece = SubjectExportFiles.OpenSealed(path, exportId, key);
            wroteAny |= CopyArrayItems(piece, json, separatorFirst: wroteAny);
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
