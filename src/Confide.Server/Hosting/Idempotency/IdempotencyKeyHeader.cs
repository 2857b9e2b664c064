using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Confide.Server.Hosting.Idempotency;

/// <summary>The <c>Idempotency-Key</c> request header, a Confide extension of the Intercom API (docs/api.md, "Idempotent retries").</summary>
internal static class IdempotencyKeyHeader
{
    public const string Name = "Idempotency-Key";

    /// <summary>Set on an answer that repeats an earlier request's outcome instead of running it again.</summary>
    public const string ReplayedName = "Idempotent-Replayed";

    public const int MaxLength = 255;

    /// <summary>Reads and hashing apply to writes only: a read is safe to repeat as it is.</summary>
    public static bool AppliesTo(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>One value of 1 to 255 printable ASCII characters (space to tilde).</summary>
    public static bool TryRead(StringValues header, out string key)
    {
        key = header.Count == 1 ? header[0] ?? "" : "";
        return key.Length is >= 1 and <= MaxLength && key.All(c => c is >= ' ' and <= '~');
    }

    /// <summary>Hex SHA-256 of the key: what a client puts in it is never stored.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key)));

    /// <summary>Hex SHA-256 of what makes two requests the same: method, path with query, body.</summary>
    public static string Fingerprint(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method.ToUpperInvariant()}\n{request.PathBase}{request.Path}{request.QueryString}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
