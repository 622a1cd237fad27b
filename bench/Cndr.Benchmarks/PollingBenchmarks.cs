using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;

namespace Cndr.Benchmarks;

/// <summary>
/// Engine.IO long-polling: a POST body of 4 records (two Socket.IO events, one <c>b</c>+base64 binary, a noop) parsed and
/// handed to the handler, answered <c>ok</c>; a GET answered with N queued packets (0x1E-separated, the last one binary
/// as base64). Both write the HTTP response to an in-memory pipe.
/// </summary>
[MemoryDiagnoser]
public class PollingBenchmarks
{
    private PollingScenario _scenario = null!;

    [Params(1, 10, 100)]
    public int QueuedPackets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scenario = new PollingScenario(QueuedPackets);
        _scenario.Post();
        if (_scenario.Received != 3 || _scenario.Get() == 0)
        {
            throw new InvalidOperationException("polling scenario is broken");
        }
    }

    /// <summary>POST with 4 records → 3 packets to the handler, 200 ok (independent of QueuedPackets).</summary>
    [Benchmark]
    public bool PostPayload() => _scenario.Post();

    /// <summary>GET → one response with every queued packet.</summary>
    [Benchmark]
    public long GetPayload() => _scenario.Get();
}
