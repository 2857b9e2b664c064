using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confide.Audit;

/// <summary>
/// Checks an activity-log export with nothing but the export (and, optionally, the public keys
/// the customer trusts): every entry in sequence with no gap, each naming the hash of the one
/// before it, each signed checkpoint matching the Merkle root of the entries before it, and the
/// file ending with its export checkpoint. Reports the first problem: which entry, and why.
/// </summary>
public static class ActivityLogVerifier
{
    public sealed record Report(
        bool Ok,
        string Message,
        long Entries,
        int Checkpoints,
        string? WorkspaceId,
        string? Region,
        IReadOnlyList<string> KeyIds,
        long? FirstBadEntry = null,
        long? Line = null);

    /// <param name="trustedPublicKeys">DER SubjectPublicKeyInfo of the keys to trust; when null, the keys in the export's header are trusted (print their ids and compare them with the published ones).</param>
    public static Report Verify(Stream export, IReadOnlyList<byte[]>? trustedPublicKeys = null)
    {
        using var run = new Run(trustedPublicKeys);
        return run.Verify(new ExportLineReader(export));
    }

    private enum EntryField
    {
        Other,
        Kind,
        Sequence,
        WorkspaceId,
        PreviousHash,
    }

    private sealed class Run(IReadOnlyList<byte[]>? trusted) : IDisposable
    {
        private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
        private readonly MerkleFrontier _frontier = new();
        private readonly MerkleHasher _hasher = new();
        private readonly byte[] _previousLeaf = new byte[MerkleTree.HashSize];
        private readonly byte[] _previousHex = new byte[2 * MerkleTree.HashSize];
        private byte[] _workspace = [];
        private byte[] _canonicalPrefix = [];
        private string? _workspaceId;
        private string? _region;
        private long _exportedAt;
        private long _line;
        private long _lastCheckpointSize;
        private int _checkpoints;
        private bool _exportCheckpointSeen;

        public Report Verify(ExportLineReader reader)
        {
            try
            {
                if (!reader.TryReadLine(out var first))
                {
                    return Fail("The file is empty.");
                }

                _line = 1;
                if (ReadHeader(first) is { } headerProblem)
                {
                    return headerProblem;
                }

                while (reader.TryReadLine(out var line))
                {
                    _line++;
                    if (_exportCheckpointSeen)
                    {
                        return Fail("There is content after the export checkpoint.", _frontier.Size);
                    }

                    var problem = EntryOrCheckpoint(line);
                    if (problem is not null)
                    {
                        return problem;
                    }
                }

                if (!_exportCheckpointSeen)
                {
                    return Fail($"The export is truncated: it does not end with its signed export checkpoint ({_frontier.Size} entries read). Entries may be missing after entry {_frontier.Size - 1}.", _frontier.Size);
                }

                return new Report(true, $"OK: {_frontier.Size} entries and {_checkpoints} signed checkpoints verified; the log is complete and unmodified up to the export checkpoint.", _frontier.Size, _checkpoints, _workspaceId, _region, [.. _keys.Keys]);
            }
            catch (JsonException ex)
            {
                return Fail($"Line {_line} is not valid JSON ({ex.Message}).", _frontier.Size);
            }
            catch (FormatException ex)
            {
                return Fail($"Line {_line} is malformed ({ex.Message}).", _frontier.Size);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
            {
                // What System.Text.Json throws for a member that is missing (KeyNotFound) or of
                // another JSON type than the one read (InvalidOperation): a crafted line, never a crash.
                return Fail($"Line {_line} is malformed (a member is missing or has the wrong type).", _frontier.Size);
            }
            catch (CryptographicException)
            {
                return Fail($"Line {_line} holds a signing key that is not a valid public key.", _frontier.Size);
            }
            finally
            {
                foreach (var key in _keys.Values)
                {
                    key.Dispose();
                }
            }
        }

        private Report? ReadHeader(ReadOnlySpan<byte> line)
        {
            using var header = JsonDocument.Parse(line.ToArray());
            var root = header.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.GetString() != "export")
            {
                return Fail("Line 1 is not the header of a Confide activity-log export.");
            }

            _workspaceId = root.GetProperty("workspace_id").GetString();
            _region = root.GetProperty("region").GetString();
            _workspace = Encoding.UTF8.GetBytes(_workspaceId ?? "");
            _canonicalPrefix = [.. "{\"kind\":\"activity\",\"format\":1,\"workspace_id\":"u8, .. Quote(JsonEncodedText.Encode(_workspaceId ?? "").EncodedUtf8Bytes.ToArray()),
                .. ",\"region\":"u8, .. Quote(JsonEncodedText.Encode(_region ?? "").EncodedUtf8Bytes.ToArray()), .. ",\"sequence\":"u8];
            _exportedAt = root.GetProperty("exported_at_ms").GetInt64();
            foreach (var key in root.GetProperty("signing_keys").EnumerateArray())
            {
                var publicKey = Convert.FromBase64String(RequiredText(key, "public_key"));
                var id = RequiredText(key, "key_id");
                if (Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16] != id)
                {
                    return Fail($"Signing key {id} in the header does not match its public key.");
                }

                if (trusted is not null && !trusted.Any(t => t.AsSpan().SequenceEqual(publicKey)))
                {
                    continue;
                }

                var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
                _keys[id] = ecdsa;
            }

            return _keys.Count == 0
                ? Fail(trusted is null ? "The header lists no signing key." : "None of the keys you trust signed this export.")
                : null;
        }

        /// <summary>
        /// Every line Confide writes names its kind first: that case is decided on the first
        /// property and an entry is then checked with the same reader, so the line is scanned
        /// once. Any other line takes the general path (find the kind, then scan from the start),
        /// which gives the same result, just slower.
        /// </summary>
        private Report? EntryOrCheckpoint(ReadOnlySpan<byte> line)
        {
            if (TryCanonicalEntry(line, out var sequence, out var chainOk))
            {
                return Checked(line, sequence, sameWorkspace: true, chainOk);
            }

            var reader = new Utf8JsonReader(line);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                return reader.ValueTextEquals("checkpoint"u8) ? Checkpoint(line) : Entry(ref reader, line, reader.ValueTextEquals("activity"u8));
            }

            return IsKind(line, "checkpoint"u8) ? Checkpoint(line) : Entry(line);
        }

        private Report? Entry(ReadOnlySpan<byte> line)
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail($"Line {_line} is not an entry.", _frontier.Size);
            }

            return Entry(ref reader, line, isEntry: false);
        }

        /// <summary>Checks an entry from <paramref name="reader"/>'s position inside its object (after its start, or after its first kind).</summary>
        private Report? Entry(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, bool isEntry)
        {
            var expected = _frontier.Size;
            bool sameWorkspace = false, chainOk = false, hasSequence = false;
            long sequence = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Field(ref reader);
                reader.Read();
                switch (field)
                {
                    case EntryField.Kind:
                        isEntry = reader.ValueTextEquals("activity"u8);
                        break;
                    case EntryField.Sequence:
                        sequence = reader.GetInt64();
                        hasSequence = true;
                        break;
                    case EntryField.WorkspaceId:
                        sameWorkspace = reader.ValueTextEquals(_workspace);
                        break;
                    case EntryField.PreviousHash:
                        chainOk = expected == 0 ? reader.TokenType == JsonTokenType.Null : reader.ValueTextEquals(_previousHex);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (!isEntry || !hasSequence)
            {
                return Fail($"Line {_line} is neither an activity entry nor a checkpoint.", expected);
            }

            return Checked(line, sequence, sameWorkspace, chainOk);
        }

        /// <summary>
        /// The fast path for entries exactly as Confide writes them: the fixed opening up to the
        /// sequence number and the fixed ending from <c>previous_hash</c>, read without a JSON
        /// scan. Anything else (or anything unexpected) takes the full scan. Skipping the scan of
        /// the middle loses nothing: the line's every byte is hashed into the chain and the tree.
        /// </summary>
        private bool TryCanonicalEntry(ReadOnlySpan<byte> line, out long sequence, out bool chainOk)
        {
            sequence = 0;
            chainOk = false;
            if (!line.StartsWith(_canonicalPrefix))
            {
                return false;
            }

            var digits = line[_canonicalPrefix.Length..];
            var length = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
            if (length is <= 0 or > 18 || digits[length] != (byte)',' || (length > 1 && digits[0] == (byte)'0'))
            {
                return false;
            }

            foreach (var digit in digits[..length])
            {
                sequence = (sequence * 10) + (digit - '0');
            }

            // The ending: "previous_hash":"<64 hex>" or null, then "salt":"<base64>"}.
            var at = line.LastIndexOf("\"previous_hash\":"u8);
            if (at < 0)
            {
                return false;
            }

            var tail = line[(at + 16)..];
            ReadOnlySpan<byte> rest;
            if (tail.StartsWith("null,"u8))
            {
                chainOk = sequence == 0;
                rest = tail[5..];
            }
            else if (tail.Length > 67 && tail[0] == (byte)'"' && tail[65] == (byte)'"' && tail[66] == (byte)',')
            {
                chainOk = sequence != 0 && tail.Slice(1, 64).SequenceEqual(_previousHex);
                rest = tail[67..];
            }
            else
            {
                return false;
            }

            // At least the opening and the closing quote-brace: a line ending '"salt":"}' shares its quote.
            return rest.Length >= 10 && rest.StartsWith("\"salt\":\""u8) && rest.EndsWith("\"}"u8) && rest[8..^2].IndexOfAny((byte)'"', (byte)'\\') < 0;
        }

        private Report? Checked(ReadOnlySpan<byte> line, long sequence, bool sameWorkspace, bool chainOk)
        {
            var expected = _frontier.Size;
            if (sequence > expected)
            {
                return Fail($"Entry {expected} is missing: line {_line} holds entry {sequence}. Entries were deleted.", expected);
            }

            if (sequence < expected)
            {
                return Fail($"Entry {sequence} is out of order: it appears on line {_line}, after entry {expected - 1}. Entries were reordered or repeated.", sequence);
            }

            if (!sameWorkspace)
            {
                return Fail($"Entry {sequence} belongs to another workspace.", sequence);
            }

            if (!chainOk)
            {
                return expected == 0
                    ? Fail("Entry 0 names a predecessor; the log does not start here.", 0)
                    : Fail($"Entry {expected - 1} was modified: its hash is not the previous_hash that entry {expected} names.", expected - 1);
            }

            _hasher.LeafHash(line, _previousLeaf);
            _frontier.Append(_previousLeaf, _hasher);
            Convert.TryToHexStringLower(_previousLeaf, _previousHex, out _);
            return null;
        }

        private static string RequiredText(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new FormatException($"{name} is missing or not a string");

        private static byte[] Quote(byte[] encoded) => [(byte)'"', .. encoded, (byte)'"'];

        private Report? Checkpoint(ReadOnlySpan<byte> line)
        {
            ActivityCheckpoint checkpoint;
            using (var json = JsonDocument.Parse(line.ToArray()))
            {
                checkpoint = ActivityCheckpoint.FromJson(json.RootElement);
            }

            var size = _frontier.Size;
            if (checkpoint.WorkspaceId != _workspaceId || checkpoint.Region != _region)
            {
                return Fail($"The checkpoint on line {_line} is for another workspace or region.", size);
            }

            if (!_keys.TryGetValue(checkpoint.KeyId, out var key))
            {
                return Fail($"The checkpoint on line {_line} is signed by key {checkpoint.KeyId}, which is not {(trusted is null ? "in the header" : "one you trust")}.", size);
            }

            if (!checkpoint.VerifySignature(key))
            {
                return Fail($"The signature of the checkpoint on line {_line} (tree size {checkpoint.TreeSize}) does not verify: the checkpoint was altered or forged.", Math.Min(checkpoint.TreeSize, size));
            }

            if (checkpoint.TreeSize > size)
            {
                return Fail($"The checkpoint on line {_line} signs {checkpoint.TreeSize} entries, but only {size} precede it: entries {size} to {checkpoint.TreeSize - 1} were deleted.", size);
            }

            if (checkpoint.TreeSize < size)
            {
                return Fail($"The checkpoint on line {_line} signs {checkpoint.TreeSize} entries, but {size} precede it: entries were added or moved before it.", checkpoint.TreeSize);
            }

            if (!checkpoint.RootHash.AsSpan().SequenceEqual(_frontier.Root()))
            {
                return Fail($"Entries {_lastCheckpointSize} to {size - 1} do not match the checkpoint signed at tree size {size}: one of them was modified.", _lastCheckpointSize);
            }

            if (checkpoint.CheckpointKind == ActivityCheckpoint.Export)
            {
                if (checkpoint.TimestampMs != _exportedAt)
                {
                    return Fail("The export checkpoint was not made for this export (its time differs from the header's).", size);
                }

                _exportCheckpointSeen = true;
            }

            _lastCheckpointSize = size;
            _checkpoints++;
            return null;
        }

        /// <summary>
        /// Which of the checked properties the reader's property name is. Unescaped names (all
        /// that Confide writes) are told apart by length first, so the ten properties that are
        /// not checked mostly cost one comparison; escaped names take the general comparison.
        /// </summary>
        private static EntryField Field(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                var name = reader.ValueSpan;
                return name.Length switch
                {
                    4 when name.SequenceEqual("kind"u8) => EntryField.Kind,
                    8 when name.SequenceEqual("sequence"u8) => EntryField.Sequence,
                    12 when name.SequenceEqual("workspace_id"u8) => EntryField.WorkspaceId,
                    13 when name.SequenceEqual("previous_hash"u8) => EntryField.PreviousHash,
                    _ => EntryField.Other,
                };
            }

            return reader.ValueTextEquals("kind"u8) ? EntryField.Kind
                : reader.ValueTextEquals("sequence"u8) ? EntryField.Sequence
                : reader.ValueTextEquals("workspace_id"u8) ? EntryField.WorkspaceId
                : reader.ValueTextEquals("previous_hash"u8) ? EntryField.PreviousHash
                : EntryField.Other;
        }

        private static bool IsKind(ReadOnlySpan<byte> line, ReadOnlySpan<byte> kind)
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("kind"u8))
                {
                    reader.Read();
                    return reader.ValueTextEquals(kind);
                }

                reader.Read();
                reader.Skip();
            }

            return false;
        }

        public void Dispose() => _hasher.Dispose();

        private Report Fail(string message, long? firstBadEntry = null) =>
            new(false, message, _frontier.Size, _checkpoints, _workspaceId, _region, [.. _keys.Keys], firstBadEntry, _line);
    }
}
