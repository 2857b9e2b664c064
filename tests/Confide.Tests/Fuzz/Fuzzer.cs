using System.Diagnostics;
using System.Globalization;
using Confide.Tests.Infrastructure;

namespace Confide.Tests.Fuzz;

/// <summary>
/// A small deterministic fuzzer for the normal test run: each target first gets its checked-in
/// seeds (tests/Confide.Tests/Fuzz/corpus/&lt;target&gt;/, including past crashers), then a fixed
/// number of mutations of them. Iteration <c>i</c> is mutated by <c>new Random(seed + i)</c>, so
/// every machine tries the same inputs (a run never fails by chance on a faster machine that got
/// further), a failure names the seed, the iteration and the input, and <c>CONFIDE_FUZZ_SEED</c>
/// replays it. Longer hunts: <c>CONFIDE_FUZZ_ITERATIONS</c> and other seeds. A wall-clock cap
/// keeps a very slow machine bounded; it only ever shortens the same sequence.
/// The check passed in throws on anything but the target's documented, typed rejection.
/// </summary>
internal static class Fuzzer
{
    public const int DefaultSeed = 16_004;

    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("CONFIDE_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : DefaultSeed;

    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(90);

    private static int IterationsOr(int iterations) =>
        int.TryParse(Environment.GetEnvironmentVariable("CONFIDE_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var set) ? set : iterations;

    public static string CorpusDirectory(string target) => Path.Combine(Checkout.Root(), "tests", "Confide.Tests", "Fuzz", "corpus", target);

    public static IReadOnlyList<byte[]> Corpus(string target)
    {
        var files = Directory.GetFiles(CorpusDirectory(target)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        return [.. files.Select(File.ReadAllBytes)];
    }

    /// <returns>How many inputs were tried.</returns>
    public static async Task<int> RunAsync(string target, Func<byte[], Random, Task> check, int iterations, Func<byte[], Random, byte[]>? mutate = null)
    {
        iterations = IterationsOr(iterations);
        var corpus = Corpus(target);
        var seed = Seed;
        for (var i = 0; i < corpus.Count; i++)
        {
            await TryAsync(target, seed, $"seed file {i}", corpus[i], new Random(seed), check);
        }

        var clock = Stopwatch.StartNew();
        var iteration = 0;
        for (; iteration < iterations && clock.Elapsed < Cap; iteration++)
        {
            var random = new Random(unchecked(seed + iteration));
            var input = mutate is null ? MutateOrSplice(corpus, random) : mutate(corpus[random.Next(corpus.Count)], random);

            await TryAsync(target, seed, $"iteration {iteration}", input, random, check);
        }

        TestContext.Current.SendDiagnosticMessage($"fuzz {target}: {corpus.Count} seeds and {iteration} of {iterations} mutations (seed {seed}) in {clock.Elapsed.TotalSeconds:F1} s");
        return corpus.Count + iteration;
    }

    private static byte[] MutateOrSplice(IReadOnlyList<byte[]> corpus, Random random)
    {
        var input = Mutator.Mutate(corpus[random.Next(corpus.Count)], random);
        return random.Next(8) == 0 ? Mutator.Splice(input, corpus[random.Next(corpus.Count)], random) : input;
    }

    private static async Task TryAsync(string target, int seed, string which, byte[] input, Random random, Func<byte[], Random, Task> check)
    {
        try
        {
            await check(input, random);
        }
        catch (Exception ex)
        {
            Assert.Fail($"Fuzz target '{target}' failed with {ex.GetType().FullName} at {which} (CONFIDE_FUZZ_SEED={seed}).\nInput (base64): {Convert.ToBase64String(input)}\n{ex}");
        }
    }
}
