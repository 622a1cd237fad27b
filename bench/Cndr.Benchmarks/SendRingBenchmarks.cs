using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;

namespace Cndr.Benchmarks;

/// <summary>
/// The sends at the end of a write batch: N loopback connections, one 1 100-byte frame each, in one io_uring round
/// (<c>SendRing</c>), receivers drained after. Target: 0 B per round. Run with CNDR_SEND_RING=off for the same sends as N
/// plain <c>send()</c> calls.
/// </summary>
[MemoryDiagnoser]
public class SendRingBenchmarks
{
    private SendRingScenario _scenario = null!;

    [Params(28, 100)]
    public int Receivers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scenario = new SendRingScenario(Receivers);
        if (_scenario.Round() != Receivers * 1100L)
        {
            throw new InvalidOperationException($"a round sent {_scenario.Sent} bytes to {Receivers} receivers");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _scenario.Dispose();

    /// <summary>One frame to each receiver, one round.</summary>
    [Benchmark]
    public long RoundOfSends() => _scenario.Round();
}
