using System.Security.Cryptography;
using System.Text.Json;
using Confide.Crypto;

namespace Confide.Privacy.Erasure;

/// <summary>
/// Checks an erasure receipt (or a workspace-deletion or retention receipt) offline against the keys a region publishes
/// (<c>/.well-known/confide/activity-log-keys</c>): the receipt must be well formed, name a key
/// among the trusted ones (of its own region, when the keys say which), and carry that key's
/// signature over its canonical form. Needs no database and no configuration.
/// </summary>
public static class ErasureReceiptVerifier
{
    /// <summary>A public key to trust; <paramref name="Region"/> when known (from the published keys document).</summary>
    public sealed record TrustedKey(string KeyId, string? Region, byte[] PublicKey);

    /// <param name="WorkspaceDeletion">Set instead of <paramref name="Receipt"/> for a workspace-deletion receipt.</param>
    /// <param name="Retention">Set instead of <paramref name="Receipt"/> for a retention run's receipt.</param>
    public sealed record Result(
        bool Ok, string Message, ErasureReceiptDocument? Receipt, Workspaces.WorkspaceDeletionReceiptDocument? WorkspaceDeletion = null,
        Retention.RetentionReceiptDocument? Retention = null);

    /// <summary>Checks an erasure, a workspace-deletion or a retention receipt (told apart by their <c>format</c>).</summary>
    public static Result Verify(ReadOnlySpan<byte> file, IReadOnlyList<TrustedKey> trusted)
    {
        switch (FormatOf(file))
        {
            case Workspaces.WorkspaceDeletionReceiptDocument.Format:
                Workspaces.WorkspaceDeletionReceiptDocument deletion;
                try
                {
                    deletion = Workspaces.WorkspaceDeletionReceiptDocument.Parse(file);
                }
                catch (FormatException ex)
                {
                    return new Result(false, $"not a workspace-deletion receipt: {ex.Message}", null);
                }

                var (deletionOk, deletionMessage) = Check(trusted, deletion.KeyId, deletion.Region, deletion.Verify,
                    $"workspace-deletion receipt {deletion.ReceiptId} (workspace {deletion.WorkspaceId}, region {deletion.Region})");
                return new Result(deletionOk, deletionMessage, null, deletion);
            case Retention.RetentionReceiptDocument.Format:
                Retention.RetentionReceiptDocument retention;
                try
                {
                    retention = Retention.RetentionReceiptDocument.Parse(file);
                }
                catch (FormatException ex)
                {
                    return new Result(false, $"not a retention receipt: {ex.Message}", null);
                }

                var (retentionOk, retentionMessage) = Check(trusted, retention.KeyId, retention.Region, retention.Verify,
                    $"retention receipt of run {retention.RunId} (workspace {retention.WorkspaceId}, region {retention.Region})");
                return new Result(retentionOk, retentionMessage, null, Retention: retention);
        }

        ErasureReceiptDocument receipt;
        try
        {
            receipt = ErasureReceiptDocument.Parse(file);
        }
        catch (FormatException ex)
        {
            return new Result(false, $"not an erasure receipt: {ex.Message}", null);
        }

        var (ok, message) = Check(trusted, receipt.KeyId, receipt.Region, receipt.Verify,
            $"erasure receipt {receipt.ReceiptId} (privacy request {receipt.PrivacyRequestId}, workspace {receipt.WorkspaceId}, region {receipt.Region})");
        return new Result(ok, message, receipt);
    }

    /// <summary>The one signature check of every receipt: a trusted key of the receipt's region, and its signature over the contents.</summary>
    private static (bool Ok, string Message) Check(IReadOnlyList<TrustedKey> trusted, string keyId, string region, Func<ECDsa, bool> verify, string described)
    {
        var key = trusted.FirstOrDefault(k => k.KeyId == keyId);
        if (key is null)
        {
            return (false, $"signed by key {keyId}, which is not among the trusted keys ({string.Join(", ", trusted.Select(k => k.KeyId))})");
        }

        if (key.Region is not null && key.Region != region)
        {
            return (false, $"the receipt says region {region} but key {key.KeyId} is region {key.Region}'s");
        }

        using var publicKey = ECDsa.Create();
        publicKey.ImportSubjectPublicKeyInfo(key.PublicKey, out _);
        return verify(publicKey)
            ? (true, $"OK: {described} is signed by key {keyId}")
            : (false, $"the signature does not match the receipt's contents under key {keyId}: it was changed after signing");
    }

    /// <summary>The document's <c>format</c> member when it is a JSON object that has one as a string; null otherwise.</summary>
    private static string? FormatOf(ReadOnlySpan<byte> file)
    {
        try
        {
            using var document = JsonDocument.Parse(file.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String
                ? format.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A PEM public key (SubjectPublicKeyInfo); its id is computed, as the region computes it.</summary>
    public static TrustedKey FromPem(string pem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        var spki = key.ExportSubjectPublicKeyInfo();
        return new TrustedKey(RegionSigningKeys.KeyIdOf(spki), null, spki);
    }

    /// <summary>
    /// The keys of a published keys document (<c>{"region": …, "keys": [{"key_id": …, "public_key": base64 DER}, …]}</c>).
    /// A key whose id does not match its bytes is refused: the id is what the receipt names.
    /// </summary>
    public static IReadOnlyList<TrustedKey> FromKeysDocument(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var region = root.GetProperty("region").GetString();
            var keys = new List<TrustedKey>();
            foreach (var entry in root.GetProperty("keys").EnumerateArray())
            {
                var spki = Convert.FromBase64String(entry.GetProperty("public_key").GetString() ?? "");
                var id = entry.GetProperty("key_id").GetString();
                if (id != RegionSigningKeys.KeyIdOf(spki))
                {
                    throw new FormatException($"key {id} does not match its public key");
                }

                using (var check = ECDsa.Create())
                {
                    check.ImportSubjectPublicKeyInfo(spki, out _);
                }

                keys.Add(new TrustedKey(id, region, spki));
            }

            return keys;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException)
        {
            throw new FormatException($"not a published keys document ({ex.Message})", ex);
        }
    }
}
