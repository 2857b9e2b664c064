using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Confide.Audit;

namespace Confide.Bench.Audit;

/// <summary>
/// Verifying a 10,000-entry export (<see cref="ActivityLogVerifier.Verify"/> over a memory
/// stream: line splitting, JSON checks, hash chain, Merkle frontier, 11 ECDSA checkpoint
/// signatures) against the ceiling: one <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// per entry line, over the same bytes, the least any verifier of these entries must do.
/// Both report time per entry. Target: the verifier keeps at least 50 % of the ceiling's entries/s.
/// </summary>
[MemoryDiagnoser]
public class VerifyBenchmarks
{
    public const int Entries = 10_000;
    public const int CheckpointEvery = 1_000;

    private ExportFixture _export = null!;

    [GlobalSetup]
    public void Setup()
    {
        _export = ExportFixture.Build(Entries, CheckpointEvery);
        var report = ActivityLogVerifier.Verify(new MemoryStream(_export.Bytes, writable: false));
        if (!report.Ok || report.Entries != Entries)
        {
            throw new InvalidOperationException($"The benchmark export does not verify: {report.Message}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Entries)]
    public byte RawSha256()
    {
        Span<byte> hash = stackalloc byte[32];
        byte fold = 0;
        var bytes = _export.Bytes;
        foreach (var (offset, length) in _export.EntryLines)
        {
            SHA256.HashData(bytes.AsSpan(offset, length), hash);
            fold ^= hash[0];
        }

        return fold;
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public long Verify() => ActivityLogVerifier.Verify(new MemoryStream(_export.Bytes, writable: false)).Entries;
}
