using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;
using Cndr.Core.Protocol;
using Cndr.Core.Store;

namespace Cndr.Benchmarks;

/// <summary>poll_results: aggregating 10 000 stored answers into <c>{pollId,type,question,active,results}</c>, per poll type.</summary>
[MemoryDiagnoser]
public class PollAggregationBenchmarks
{
    private PollSnapshot _snapshot = null!;

    [Params(PollType.SingleChoice, PollType.MultipleChoice, PollType.FreeText)]
    public PollType Type { get; set; }

    [GlobalSetup]
    public void Setup() => _snapshot = PollSamples.Snapshot(Type, 10_000);

    /// <summary>Counts every answer and writes the results JSON.</summary>
    [Benchmark]
    public int Aggregate10000Answers() => PollCodec.BuildPollResults(_snapshot).Length;
}
