using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
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
        // Loggers, columns, exporters and analysers of the default configuration; the job and the rest below.
        AddLogger([.. DefaultConfig.Instance.GetLoggers()]);
        AddColumnProvider([.. DefaultConfig.Instance.GetColumnProviders()]);
        AddAnalyser([.. DefaultConfig.Instance.GetAnalysers()]);
        AddValidator([.. DefaultConfig.Instance.GetValidators()]);
        var job = (quick ? Job.ShortRun : Job.Default)
            .WithGcServer(false)
            .WithGcConcurrent(false)
            .WithId(quick ? "Quick" : "Default");
        AddJob(job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
        AddValidator(JitOptimizationsValidator.FailOnError);
        AddExporter(MarkdownExporter.GitHub, CsvExporter.Default);
        WithOptions(ConfigOptions.DisableLogFile);
    }
}
