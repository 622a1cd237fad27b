using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Validators;

namespace Cndr.Benchmarks;

/// <summary>
/// The one configuration of every benchmark: MemoryDiagnoser, an ops/s column, a failing JIT-optimisation validator
/// (no numbers from a Debug build), workstation non-concurrent GC, GitHub-markdown tables.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    /// <param name="quick">A short job (1 launch, 3 warm-ups, 3 iterations) for smoke runs; otherwise BDN's default job.</param>
    public BenchConfig(bool quick)
    {
        var job = (quick ? Job.ShortRun : Job.Default)
            .WithGcServer(false)
            .WithGcConcurrent(false)
            .WithId(quick ? "Quick" : "Default");
        AddJob(job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
        AddValidator(JitOptimizationsValidator.FailOnError);
        AddExporter(MarkdownExporter.GitHub);
        WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}
