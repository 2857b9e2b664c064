using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Confide.Bench.Audit;

// confide-bench-audit append DATA_DIR [UNITS] [WARMUP]: marginal cost of one log entry in a write unit.
// confide-bench-audit [BenchmarkDotNet args]: export verification against raw SHA-256, in process.
if (args is ["append", var dataDirectory, ..])
{
    var units = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3_000;
    var warmup = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
    return await AppendBenchmark.RunAsync(dataDirectory, units, warmup);
}

// In process: both sides run in the same process and runtime, and no child project is built.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.JoinSummary);
var summaries = BenchmarkSwitcher.FromAssembly(typeof(VerifyBenchmarks).Assembly).Run(args, config);
var means = summaries.SelectMany(s => s.Reports)
    .Where(r => r.ResultStatistics is not null)
    .ToDictionary(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name, r => r.ResultStatistics!.Mean);
if (means.TryGetValue(nameof(VerifyBenchmarks.Verify), out var verifyNs) && means.TryGetValue(nameof(VerifyBenchmarks.RawSha256), out var shaNs))
{
    // Means are per entry (OperationsPerInvoke); throughput is their inverse.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"RESULT verify entries={VerifyBenchmarks.Entries} verify_entries_per_s={1e9 / verifyNs:F0} sha256_entries_per_s={1e9 / shaNs:F0} ratio_pct={100 * shaNs / verifyNs:F1}"));
}

return 0;
