using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Confide.Privacy.Receipts;

/// <summary>
/// What every signed receipt (a contact's erasure, a workspace's deletion) shares: the canonical
/// form it is signed in — members in ordinal order of their names, no whitespace, count objects
/// with sorted names, integers as integers, UTF-8 — and a strict reader, which refuses duplicate,
/// missing or extra members, another format or algorithm, and a number that is not a plain integer.
/// </summary>
internal static class ReceiptJson
{
    public const string Algorithm = "ecdsa-p256-sha256";

    /// <summary>Writes a canonical document: <paramref name="members"/> must write in ordinal order of their names.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteCounts(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, long> counts)
    {
        json.WritePropertyName(name);
        WriteCounts(json, counts);
    }

    public static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>Counts as the canonical JSON object stored with a receipt.</summary>
    public static string CountsJson(IReadOnlyDictionary<string, long> counts)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteCounts(json, counts);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static bool Verify(ECDsa publicKey, byte[] signedBytes, byte[] signature) =>
        publicKey.VerifyData(signedBytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>
    /// Parses a receipt file and checks its members (exactly <paramref name="members"/>, sorted),
    /// its format and its algorithm; a <see cref="FormatException"/> naming what is wrong otherwise.
    /// </summary>
    public static JsonDocument Open(ReadOnlySpan<byte> utf8, IReadOnlyList<string> members, string format)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON ({ex.Message})", ex);
        }

        try
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("not a JSON object");
            }

            var names = root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            if (!names.SequenceEqual(members, StringComparer.Ordinal))
            {
                var extra = names.Except(members, StringComparer.Ordinal).ToList();
                var missing = members.Except(names, StringComparer.Ordinal).ToList();
                throw new FormatException(extra.Count > 0 ? $"unexpected member '{extra[0]}'" : $"member '{missing[0]}' is missing");
            }

            if (Text(root, "format") != format)
            {
                throw new FormatException($"format is not {format}");
            }

            if (Text(root, "algorithm") != Algorithm)
            {
                throw new FormatException($"algorithm is not {Algorithm}");
            }

            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public static string Text(JsonElement json, string name) =>
        json.GetProperty(name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"{name} is not a string");

    public static long Integer(JsonElement json, string name) => IntegerValue(json.GetProperty(name), name);

    public static Dictionary<string, long> Counts(JsonElement json, string name)
    {
        var counts = json.GetProperty(name);
        if (counts.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{name} is not an object");
        }

        var read = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var count in counts.EnumerateObject())
        {
            read[count.Name] = IntegerValue(count.Value, $"{name}.{count.Name}");
        }

        return read;
    }

    public static List<string> Strings(JsonElement json, string name)
    {
        var values = json.GetProperty(name);
        if (values.ValueKind != JsonValueKind.Array || values.EnumerateArray().Any(k => k.ValueKind != JsonValueKind.String))
        {
            throw new FormatException($"{name} is not an array of strings");
        }

        return [.. values.EnumerateArray().Select(k => k.GetString()!)];
    }

    public static byte[] Signature(JsonElement json)
    {
        try
        {
            return Convert.FromBase64String(Text(json, "signature"));
        }
        catch (FormatException)
        {
            throw new FormatException("signature is not base64");
        }
    }

    private static void WriteCounts(Utf8JsonWriter json, IReadOnlyDictionary<string, long> counts)
    {
        json.WriteStartObject();
        foreach (var (name, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            json.WriteNumber(name, count);
        }

        json.WriteEndObject();
    }

    private static long IntegerValue(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && value.GetRawText() == number.ToString(CultureInfo.InvariantCulture)
            ? number
            : throw new FormatException($"{name} is not an integer");
}
