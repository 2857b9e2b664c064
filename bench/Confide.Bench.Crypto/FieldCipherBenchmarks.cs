using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Confide.Crypto;

namespace Confide.Bench.Crypto;

/// <summary>
/// The cost of sealing and opening one field with <see cref="FieldCipher"/> (envelope, key
/// id, associated data built from the field's context, use counting) against raw
/// <see cref="AesGcm"/> on the same payload with the same nonce size and a precomputed
/// associated data of the same length — the floor any AES-256-GCM field encryption pays.
/// Target: FieldCipher at most 1.5x the raw cost.
/// </summary>
[MemoryDiagnoser]
public class FieldCipherBenchmarks
{
    private static readonly FieldContext Context = new("eu_k3j9x2m4q8w1", "eu", "conversation_part", "6b08ada2f2432dc0476f2315", "body");

    private DataKey _key = null!;
    private AesGcm _raw = null!;
    private byte[] _plaintext = null!;
    private byte[] _envelope = null!;
    private byte[] _rawNonce = null!;
    private byte[] _rawCiphertext = null!;
    private byte[] _rawTag = null!;
    private byte[] _associatedData = null!;

    [Params(64, 1024, 16384)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Far below the per-key use limit even for the longest run.
        _key = new DataKey(Guid.NewGuid(), RandomNumberGenerator.GetBytes(DataKey.SizeInBytes));
        _raw = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        _plaintext = RandomNumberGenerator.GetBytes(PayloadBytes);
        _envelope = FieldCipher.Encrypt(_key, Context, _plaintext);
        _associatedData = RandomNumberGenerator.GetBytes(16 + 16 + (5 * 4) + 14 + 2 + 17 + 24 + 4);
        _rawNonce = RandomNumberGenerator.GetBytes(12);
        _rawCiphertext = new byte[PayloadBytes];
        _rawTag = new byte[16];
        _raw.Encrypt(_rawNonce, _plaintext, _rawCiphertext, _rawTag, _associatedData);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("encrypt")]
    public byte[] RawAesGcmEncrypt()
    {
        var output = new byte[12 + PayloadBytes + 16];
        var nonce = output.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        _raw.Encrypt(nonce, _plaintext, output.AsSpan(12, PayloadBytes), output.AsSpan(12 + PayloadBytes, 16), _associatedData);
        return output;
    }

    [Benchmark, BenchmarkCategory("encrypt")]
    public byte[] FieldCipherEncrypt() => FieldCipher.Encrypt(_key, Context, _plaintext);

    [Benchmark(Baseline = true), BenchmarkCategory("decrypt")]
    public byte[] RawAesGcmDecrypt()
    {
        var output = new byte[PayloadBytes];
        _raw.Decrypt(_rawNonce, _rawCiphertext, _rawTag, output, _associatedData);
        return output;
    }

    [Benchmark, BenchmarkCategory("decrypt")]
    public byte[] FieldCipherDecrypt() => FieldCipher.Decrypt(_key, Context, _envelope);

    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        _raw.Dispose();
    }
}
