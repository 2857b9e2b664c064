using System.Security.Cryptography;
using System.Text;
using Confide.Identity.Passwords;
using Microsoft.Extensions.Options;

namespace Confide.Tests.Unit;

/// <summary>
/// The binary search over a generated Pwned Passwords file: every line is found wherever it sits,
/// nothing between neighbours is, whatever the line endings; and bad files stop start-up.
/// </summary>
public sealed class BreachedPasswordsTests : IDisposable
{
    private const string BreachedPassword = "P@ssw0rd-breached-1";
    private const long BreachedPasswordCount = 3;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("confide-breach-");
    private readonly SortedDictionary<string, long> _corpus = new(StringComparer.Ordinal);

    public BreachedPasswordsTests()
    {
        var random = new Random(20240611);
        var hash = new byte[20];
        while (_corpus.Count < 5000)
        {
            random.NextBytes(hash);
            _corpus[Convert.ToHexString(hash)] = random.Next(1, 100_000);
        }

        _corpus[Sha1(BreachedPassword)] = BreachedPasswordCount;
    }

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("\n", true)]
    [InlineData("\n", false)]
    [InlineData("\r\n", true)]
    [InlineData("\r\n", false)]
    public void EveryLine_IsFound_FirstLastAndMiddle(string newline, bool finalNewline)
    {
        var breached = Corpus(Write(newline, finalNewline));
        var entries = _corpus.ToList();

        Assert.Equal(entries[0].Value, breached.Occurrences(entries[0].Key));
        Assert.Equal(entries[^1].Value, breached.Occurrences(entries[^1].Key));
        Assert.Equal(entries[entries.Count / 2].Value, breached.Occurrences(entries[entries.Count / 2].Key));
        Assert.All(entries, e => Assert.Equal(e.Value, breached.Occurrences(e.Key)));
    }

    [Theory]
    [InlineData("\n", true)]
    [InlineData("\r\n", false)]
    public void HashesBetweenNeighbours_AndBeyondBothEnds_AreNotFound(string newline, bool finalNewline)
    {
        var breached = Corpus(Write(newline, finalNewline));
        var keys = _corpus.Keys.ToList();

        Assert.Equal(0, breached.Occurrences(new string('0', 40)));
        Assert.Equal(0, breached.Occurrences(new string('F', 40)));
        for (var i = 0; i + 1 < keys.Count; i++)
        {
            var between = Increment(keys[i]);
            if (between != keys[i + 1])
            {
                Assert.Equal(0, breached.Occurrences(between));
            }
        }
    }

    [Fact]
    public void BreachedPassword_IsRefused_WithTheMessage_AndAFreshOneIsNot()
    {
        var breached = Corpus(Write("\n", true));

        Assert.Equal(BreachedPasswords.Message, breached.Problem(BreachedPassword));
        Assert.Null(breached.Problem($"fresh-{Guid.NewGuid():N}"));
        Assert.DoesNotContain(BreachedPasswordCount.ToString(System.Globalization.CultureInfo.InvariantCulture), BreachedPasswords.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void MinimumCount_RefusesOnlyPasswordsSeenThatOften(int minimum, bool refused)
    {
        var breached = Corpus(Write("\n", true), minimum);

        Assert.Equal(refused, breached.Problem(BreachedPassword) is not null);
    }

    [Fact]
    public void HashCase_DoesNotMatter_InTheQueryOrTheFile()
    {
        var upper = Corpus(Write("\n", true));
        var lower = Corpus(Write("\n", true, lowerCase: true));
        var known = Sha1(BreachedPassword);

        Assert.Equal(BreachedPasswordCount, upper.Occurrences(known.ToLowerInvariant()));
        Assert.Equal(BreachedPasswordCount, lower.Occurrences(known));
        Assert.Equal(BreachedPasswords.Message, lower.Problem(BreachedPassword));
        Assert.All(_corpus.Take(200), e => Assert.Equal(e.Value, lower.Occurrences(e.Key)));
        Assert.Throws<ArgumentException>(() => upper.Occurrences("not-a-hash"));
    }

    [Fact]
    public void EmptyAndOneLineFiles_AreSearchedWithoutError()
    {
        var empty = Path.Combine(_directory.FullName, "empty.txt");
        File.WriteAllText(empty, "");
        var one = Path.Combine(_directory.FullName, "one.txt");
        File.WriteAllText(one, $"{Sha1(BreachedPassword)}:7");

        Assert.Equal(0, Corpus(empty).Occurrences(Sha1(BreachedPassword)));
        Assert.Equal(7, Corpus(one).Occurrences(Sha1(BreachedPassword)));
        Assert.Equal(0, Corpus(one).Occurrences(new string('0', 40)));
        Assert.Equal(0, Corpus(one).Occurrences(new string('F', 40)));
    }

    [Fact]
    public void Lookups_RunInParallel()
    {
        var breached = Corpus(Write("\r\n", true));
        var entries = _corpus.ToList();

        Parallel.For(0, 2000, i => Assert.Equal(entries[(i * 7919) % entries.Count].Value, breached.Occurrences(entries[(i * 7919) % entries.Count].Key)));
    }

    [Fact]
    public void Unconfigured_ChecksNothing_AndPassesStartUp()
    {
        var breached = new BreachedPasswords(Options.Create(new BreachedPasswordOptions()));

        Assert.False(breached.IsConfigured);
        Assert.Null(breached.Problem(BreachedPassword));
        Assert.True(new BreachedPasswordFileCheck().Validate(null, new BreachedPasswordOptions()).Succeeded);
    }

    [Fact]
    public void StartUp_AcceptsAWellFormedFile()
    {
        Assert.True(Check(Write("\r\n", false)).Succeeded);
        Assert.True(Check(Write("\n", true, lowerCase: true)).Succeeded);
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("", "is empty")]
    [InlineData("8846F7EAEE8FB117AD06BDD830B7586C:52579\n", "line 1 is not")] // the downloader's NTLM variant
    [InlineData("password123\n", "line 1 is not")]
    [InlineData("000000005AD76BD555C1D6D771DE417A4B87E4B4:4\n00000000A8DAE4228F821FB418F59826079BF368:x\n", "line 2 is not")]
    [InlineData("00000000A8DAE4228F821FB418F59826079BF368:2\n000000005AD76BD555C1D6D771DE417A4B87E4B4:4\n", "not sorted")]
    public void StartUp_FailsOnAMalformedFile_NamingTheSetting(string content, string problem)
    {
        var path = Path.Combine(_directory.FullName, "corpus.txt");
        if (content != "missing")
        {
            File.WriteAllText(path, content);
        }

        var result = Check(path);

        Assert.True(result.Failed);
        Assert.Contains("Confide:Passwords:BreachedSha1File", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(problem, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_FailsOnADownloadCutShort()
    {
        var path = Write("\n", true);
        File.AppendAllText(path, "FFFFFF12");

        var result = Check(path);

        Assert.True(result.Failed);
        Assert.Contains("incomplete line", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void StartUp_FailsOnAMinimumCountBelowOne()
    {
        var result = new BreachedPasswordFileCheck().Validate(null, new BreachedPasswordOptions { BreachedMinimumCount = 0 });

        Assert.True(result.Failed);
        Assert.Contains("Confide:Passwords:BreachedMinimumCount", result.FailureMessage, StringComparison.Ordinal);
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "The corpus format is SHA-1.")]
    internal static string Sha1(string password) => Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(password)));

    private static BreachedPasswords Corpus(string path, int minimum = 1) =>
        new(Options.Create(new BreachedPasswordOptions { BreachedSha1File = path, BreachedMinimumCount = minimum }));

    private static ValidateOptionsResult Check(string path) =>
        new BreachedPasswordFileCheck().Validate(null, new BreachedPasswordOptions { BreachedSha1File = path });

    private string Write(string newline, bool finalNewline, bool lowerCase = false)
    {
        var text = string.Join(newline, _corpus.Select(e => $"{(lowerCase ? e.Key.ToLowerInvariant() : e.Key)}:{e.Value}")) + (finalNewline ? newline : "");
        var path = Path.Combine(_directory.FullName, $"corpus-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The next 160-bit value after <paramref name="hex"/>.</summary>
    private static string Increment(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var i = bytes.Length - 1; i >= 0 && ++bytes[i] == 0; i--)
        {
        }

        return Convert.ToHexString(bytes);
    }
}
