using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;
using Cndr.Core.Relay;

namespace Cndr.Benchmarks;

/// <summary>The per-client fixed-window rate limit the relay applies to message_to_host and poll_response. Target: 0 B.</summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private const int Calls = 1000;
    private readonly ClientSession _session = new(new SinkConnection("rate"));
    private long _now;

    /// <summary>Every call allowed (limit never reached).</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public long Allowed()
    {
        long refused = 0;
        for (var i = 0; i < Calls; i++)
        {
            refused += _session.TryConsumeRate(++_now, int.MaxValue, 60_000);
        }

        return refused;
    }

    /// <summary>The default budget (100 per 60 s) hit repeatedly: after 100 calls each call is refused with retryAfterMs.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public long Limited()
    {
        long refused = 0;
        for (var i = 0; i < Calls; i++)
        {
            refused += _session.TryConsumeRate(++_now, 100, 60_000);
        }

        return refused;
    }
}
