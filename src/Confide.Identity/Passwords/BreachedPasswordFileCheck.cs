using Microsoft.Extensions.Options;

namespace Confide.Identity.Passwords;

/// <summary>
/// Start-up check of the breach corpus: a missing, empty, truncated or wrongly formatted file
/// (say, the downloader's NTLM variant) would otherwise let every breached password through
/// without anyone noticing.
/// </summary>
internal sealed class BreachedPasswordFileCheck : IValidateOptions<BreachedPasswordOptions>
{
    private const int LinesChecked = 5;

    public ValidateOptionsResult Validate(string? name, BreachedPasswordOptions options)
    {
        if (options.BreachedMinimumCount < 1)
        {
            return ValidateOptionsResult.Fail("Confide:Passwords:BreachedMinimumCount must be at least 1.");
        }

        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        var path = options.BreachedSha1File!;
        if (!File.Exists(path))
        {
            return ValidateOptionsResult.Fail($"Confide:Passwords:BreachedSha1File: '{path}' does not exist.");
        }

        try
        {
            return Problem(path) is { } problem
                ? ValidateOptionsResult.Fail($"Confide:Passwords:BreachedSha1File: '{path}' {problem}")
                : ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"Confide:Passwords:BreachedSha1File: '{path}' cannot be read ({ex.Message}).");
        }
    }

    private static string? Problem(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        if (file.Length == 0)
        {
            return "is empty.";
        }

        using var reader = new StreamReader(file, leaveOpen: true);
        string? previous = null;
        for (var i = 0; i < LinesChecked && reader.ReadLine() is { } line; i++)
        {
            if (!BreachedPasswords.IsCorpusLine(line))
            {
                return $"line {i + 1} is not in the SHA1HASH:COUNT format of the Pwned Passwords downloader (SHA-1, not NTLM).";
            }

            if (previous is not null && string.Compare(previous[..40], line[..40], StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return "is not sorted by hash; download it with the official downloader, which sorts it.";
            }

            previous = line;
        }

        // A download cut short ends mid-line; the binary search needs whole lines to the end.
        file.Seek(Math.Max(0, file.Length - 256), SeekOrigin.Begin);
        reader.DiscardBufferedData();
        var tail = reader.ReadToEnd().TrimEnd('\r', '\n');
        var last = tail[(tail.LastIndexOf('\n') + 1)..];
        return BreachedPasswords.IsCorpusLine(last) ? null : "ends with an incomplete line; the download may have been cut short.";
    }
}
