using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;
using Cndr.Core;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;

namespace Cndr.Benchmarks;

/// <summary>
/// What the Redis store and bus do before a command reaches the network: the room's key set (cached), per-client keys,
/// and the binary envelope of a bus publication (room:updates) and its decoding on the receiving node.
/// </summary>
[MemoryDiagnoser]
public class RedisCommandBenchmarks
{
    private RoomCode _code;
    private byte[] _nodeId = [];
    private byte[] _packet = [];
    private byte[] _envelope = [];
    private byte[] _targetedEnvelope = [];
    private string _clientId = "";

    [GlobalSetup]
    public void Setup()
    {
        RoomCode.TryParse("BENCH1", out _code);
        _nodeId = WireSamples.Utf8(Guid.NewGuid().ToString("N"));
        var message = WireSamples.EncodeGameStateEvent(WireSamples.GameState1K, 7);
        _packet = message.Payload.ToArray();
        message.Release();

        _clientId = Guid.NewGuid().ToString();
        _envelope = RoomBusCodec.Encode(_nodeId, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, _packet));
        _targetedEnvelope = RoomBusCodec.Encode(_nodeId, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Player, _clientId, _packet));
    }

    /// <summary>The room's keys (set_game_state, enqueue, …) from the per-room cache.</summary>
    [Benchmark]
    public int RoomKeys() => RedisKeys.Standalone.For(_code).SetGameStateKeys.Length;

    /// <summary>set_player_state's per-client keys (room:client:&lt;code&gt;:&lt;id&gt;, room:playerstate:&lt;code&gt;:&lt;id&gt;).</summary>
    [Benchmark]
    public int PlayerStateKeys()
    {
        var keys = RedisKeys.Standalone.For(_code);
        return keys.Client(_clientId).GetHashCode() ^ keys.PlayerState(_clientId).GetHashCode();
    }

    /// <summary>Bus envelope of a 1 KiB game_state to players and audience (one array per publication).</summary>
    [Benchmark]
    public int BusEncodeBroadcast() => RoomBusCodec.Encode(_nodeId, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, _packet)).Length;

    /// <summary>Bus envelope decoded on a receiving node (no target).</summary>
    [Benchmark]
    public int BusDecodeBroadcast() => RoomBusCodec.TryDecode(_envelope, out _, out var m) ? m.Packet.Length : 0;

    /// <summary>Bus envelope with a target client id decoded (player_state to one player on another node).</summary>
    [Benchmark]
    public int BusDecodeTargeted() => RoomBusCodec.TryDecode(_targetedEnvelope, out _, out var m) ? m.Packet.Length : 0;
}
