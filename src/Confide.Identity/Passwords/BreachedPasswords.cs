using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Confide.Identity.Passwords;

/// <summary>
/// Refuses passwords that appear in the operator's local copy of Have I Been Pwned's Pwned
/// Passwords (NIST SP 800-63B 5.1.1.2, "passwords obtained from previous breach corpuses").
/// Local, so no hash of a password ever leaves the server and air-gapped installations work.
/// The file (tens of gigabytes) is never loaded: a binary search over byte offsets reads about
/// log2(lines) small blocks per lookup, through positional reads on a handle of its own, so
/// lookups run in parallel and a file replaced in place is picked up by the next lookup.
/// </summary>
public sealed class BreachedPasswords(IOptions<BreachedPasswordOptions> options)
{
    public const string Message = "This password has appeared in a data breach; choose another.";

    private const int HashLength = 40;

    // Lines are about 50 bytes ("40 hex:count\r\n"); a block holds the tail of the line a seek
    // lands in plus the whole next line.
    private const int BlockSize = 256;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789ABCDEFabcdef");

    public bool IsConfigured => options.Value.IsConfigured;

    /// <summary><see cref="Message"/> when the password is in the corpus often enough; null when it may be used or no corpus is configured.</summary>
    /// <exception cref="IOException">The corpus cannot be read.</exception>
    /// <exception cref="InvalidDataException">The corpus is not a sorted <c>SHA1HASH:COUNT</c> file.</exception>
    public string? Problem(string password)
    {
        var settings = options.Value;
        if (!settings.IsConfigured)
        {
            return null;
        }

        return Occurrences(Sha1Hex(password)) >= settings.BreachedMinimumCount ? Message : null;
    }

    /// <summary>How often the corpus has seen the password with this SHA-1 (hex, either case); 0 when absent.</summary>
    public long Occurrences(string sha1Hex)
    {
        if (sha1Hex.Length != HashLength || sha1Hex.AsSpan().ContainsAnyExcept(HexDigits))
        {
            throw new ArgumentException("Expected 40 hexadecimal digits.", nameof(sha1Hex));
        }

        var path = options.Value.BreachedSha1File ?? throw new InvalidOperationException("No breach corpus is configured.");
        Span<byte> target = stackalloc byte[HashLength];
        for (var i = 0; i < HashLength; i++)
        {
            target[i] = Upper((byte)sha1Hex[i]);
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        return Search(file, target);
    }

    /// <summary>Whether a line has the downloader's shape: 40 hex digits, a colon, a count (a trailing CR allowed).</summary>
    public static bool IsCorpusLine(string line)
    {
        var text = line.TrimEnd('\r');
        return text.Length > HashLength + 1
            && text[HashLength] == ':'
            && !text.AsSpan(0, HashLength).ContainsAnyExcept(HexDigits)
            && long.TryParse(text.AsSpan(HashLength + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    // Pwned Passwords is keyed by SHA-1; here it is a lookup key, not a protection of the password.
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The corpus format is SHA-1.")]
    private static string Sha1Hex(string password) => Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(password)));

    /// <summary>
    /// Invariant: every line starting before <c>lo</c> sorts before the target, every line
    /// starting at or after <c>hi</c> after it; <c>lo</c> is always a line start.
    /// </summary>
    private static long Search(SafeFileHandle file, ReadOnlySpan<byte> target)
    {
        long lo = 0;
        var hi = RandomAccess.GetLength(file);
        Span<byte> block = stackalloc byte[BlockSize];
        while (lo < hi)
        {
            var middle = lo + ((hi - lo) / 2);
            if (!TryReadLineFrom(file, middle, block, out var start, out var next, out var line) || start >= hi)
            {
                hi = middle; // no line starts in [middle, hi)
                continue;
            }

            var order = Compare(line, target);
            if (order == 0)
            {
                return Count(line);
            }

            if (order < 0)
            {
                lo = next;
            }
            else
            {
                hi = start;
            }
        }

        return 0;
    }

    /// <summary>The first line starting at or after <paramref name="offset"/> (without its line ending), where it starts and where the next one starts.</summary>
    private static bool TryReadLineFrom(SafeFileHandle file, long offset, Span<byte> block, out long start, out long next, out ReadOnlySpan<byte> line)
    {
        var length = RandomAccess.GetLength(file);
        // Read from the byte before the offset: if that byte ends a line, the offset is a line start.
        var readAt = offset == 0 ? 0 : offset - 1;
        var read = RandomAccess.Read(file, block, readAt);
        var skip = 0;
        if (offset > 0)
        {
            var newline = block[..read].IndexOf((byte)'\n');
            if (newline < 0)
            {
                (start, next) = (length, length);
                line = default;
                return readAt + read < length ? throw Malformed() : false;
            }

            skip = newline + 1;
        }

        start = readAt + skip;
        if (start >= length)
        {
            next = length;
            line = default;
            return false;
        }

        var rest = (ReadOnlySpan<byte>)block[skip..read];
        if (rest.IndexOf((byte)'\n') < 0 && start + rest.Length < length)
        {
            // The line runs past the block: read again from its start.
            read = RandomAccess.Read(file, block, start);
            rest = block[..read];
        }

        var end = rest.IndexOf((byte)'\n');
        if (end < 0 && start + rest.Length < length)
        {
            throw Malformed();
        }

        line = end < 0 ? rest : rest[..end];
        next = start + (end < 0 ? rest.Length : end + 1);
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return true;
    }

    private static int Compare(ReadOnlySpan<byte> line, ReadOnlySpan<byte> target)
    {
        if (line.IsEmpty)
        {
            return 1; // a blank line can only be trailing; it sorts last
        }

        if (line.Length <= HashLength || line[HashLength] != ':')
        {
            throw Malformed();
        }

        for (var i = 0; i < HashLength; i++)
        {
            var difference = Upper(line[i]) - target[i];
            if (difference != 0)
            {
                return difference;
            }
        }

        return 0;
    }

    private static long Count(ReadOnlySpan<byte> line) =>
        long.TryParse(line[(HashLength + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : throw Malformed();

    // Some tools write lower-case hex; folding keeps the order the same for either case.
    private static byte Upper(byte b) => b is >= (byte)'a' and <= (byte)'f' ? (byte)(b - 32) : b;

    private static InvalidDataException Malformed() =>
        new("The breach corpus (Confide:Passwords:BreachedSha1File) is not a file of SHA1HASH:COUNT lines.");
}
