using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;

namespace Cndr.Benchmarks;

/// <summary>
/// set_game_state (1 KiB) from the host to N audience members through the whole node without sockets: Engine.IO packet,
/// Socket.IO parse, relay dispatch, store write, game_state encoded once, N WebSocket sessions each writing the same
/// frame to its pipe (a reusing block pool), ack to the host. Target: 0 B per broadcast, whatever N.
/// </summary>
[MemoryDiagnoser]
public class BroadcastBenchmarks
{
    private NodeScenario _node = null!;
    private byte[] _packet = [];

    [Params(10, 100, 1000)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _node = new NodeScenario(players: 0, audience: Recipients);
        _packet = NodeScenario.SetGameStatePacket(WireSamples.GameState1K);
        NodeScenario.Inbound(_node.Host, _packet);
        var bytes = _node.DrainAll();
        if (bytes < Recipients * (long)WireSamples.GameState1K.Length)
        {
            throw new InvalidOperationException($"broadcast wrote {bytes} bytes to {Recipients} recipients");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _node.Dispose();

    /// <summary>One broadcast to N recipients, their pipes drained after.</summary>
    [Benchmark]
    public long SetGameStateToN()
    {
        NodeScenario.Inbound(_node.Host, _packet);
        return _node.DrainAll();
    }
}
