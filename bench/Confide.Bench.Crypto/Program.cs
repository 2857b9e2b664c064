using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Confide.Bench.Crypto;

// Ratios are within one category (encrypt or decrypt) against the raw AesGcm baseline. In
// process: both sides run in the same process and runtime, and no child project is built.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(12).WithToolchain(InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.JoinSummary)
    .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
BenchmarkSwitcher.FromAssembly(typeof(FieldCipherBenchmarks).Assembly).Run(args, config);
