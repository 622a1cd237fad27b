using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Cndr.Core;
using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Transport;
using Cndr.Transport.SocketIO;

namespace Cndr.Benchmarks;

/// <summary>
/// One inbound relay command through the whole dispatch (name match, argument read, store write, encode once,
/// fan-out, ack) on the embedded store. Room: 1 host + 8 players + 50 audience. Target: 0 B allocated per message.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private RelayHandler _relay = null!;
    private SinkConnection _host = null!;
    private SinkConnection _player = null!;
    private SinkConnection[] _all = [];
    private SocketIOEvent _setGameState;
    private SocketIOEvent _messageToHost;

    [GlobalSetup]
    public void Setup()
    {
        var options = new RelayOptions { RateLimitMessages = int.MaxValue };
        var store = new EmbeddedRelayStore();
        _relay = new RelayHandler(store, new InProcessRoomBus(options.NodeId), options);
        RoomCode.TryParse("BENCH1", out var code);
        store.CreateRoomAsync(code, new RoomConfig("key", "", 0, 0, 0), 0).AsTask().GetAwaiter().GetResult();
        var all = new List<SinkConnection>();
        _host = Join("""{"roomCode":"BENCH1","role":"host","hostKey":"key"}""", all);
        for (var i = 0; i < 8; i++)
        {
            var p = Join("""{"roomCode":"BENCH1","role":"player","meta":{"playerName":"P"}}""", all);
            _player ??= p;
        }

        for (var i = 0; i < 50; i++)
        {
            Join("""{"roomCode":"BENCH1","role":"audience"}""", all);
        }

        _all = [.. all];
        _setGameState = Event("set_game_state", """{"state":{"round":3,"turn":"6f1c2a4e-1b2c-4d3e-8f90-123456789abc","board":[[0,1,0],[2,0,1],[0,0,2]],"scores":{"a":10,"b":15,"c":7},"phase":"vote","deadline":1700000123456}}""");
        _messageToHost = Event("message_to_host", """{"message":{"type":"move","cell":[1,2],"seq":42}}""");

        // Sanity: one set_game_state reaches 58 connections, one message reaches the host.
        Reset();
        SetGameState();
        var fanOut = _all.Sum(c => c.Sends);
        Reset();
        MessageToHost();
        if (fanOut != 58 || _host.Sends != 1)
        {
            throw new InvalidOperationException($"unexpected fan-out {fanOut} / {_host.Sends}");
        }
    }

    private void Reset()
    {
        foreach (var c in _all)
        {
            c.Sends = 0;
        }
    }

    [Benchmark]
    public void SetGameState()
    {
        var t = _relay.OnEventAsync(_host, _setGameState);
        if (!t.IsCompletedSuccessfully)
        {
            t.AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark]
    public void MessageToHost()
    {
        var t = _relay.OnEventAsync(_player, _messageToHost);
        if (!t.IsCompletedSuccessfully)
        {
            t.AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _relay.Dispose();

    private SinkConnection Join(string auth, List<SinkConnection> all)
    {
        var c = new SinkConnection($"c{all.Count}");
        var d = _relay.OnConnectAsync(c, Encoding.UTF8.GetBytes(auth)).AsTask().GetAwaiter().GetResult();
        if (!d.Accepted)
        {
            throw new InvalidOperationException(Encoding.UTF8.GetString(d.ErrorJson.Span));
        }

        _relay.OnConnected(c);
        all.Add(c);
        return c;
    }

    private static SocketIOEvent Event(string name, string arg)
    {
        var data = Encoding.UTF8.GetBytes($"[\"{name}\",{arg}]");
        var argStart = name.Length + 4;
        return new SocketIOEvent(Encoding.UTF8.GetBytes(name), data, data.AsMemory(argStart, data.Length - argStart - 1), 7, null);
    }

    /// <summary>A connection that accepts every message and keeps nothing (the creator's reference is the only one).</summary>
    private sealed class SinkConnection(string id) : ISocketIOConnection
    {
        public int Sends;

        public string Id { get; } = id;

        public string Namespace => "/";

        public IPAddress? RemoteAddress => null;

        public bool IsWebSocket => true;

        public object? UserState { get; set; }

        public bool Send(OutboundMessage message)
        {
            Sends++;
            return true;
        }

        public bool SendAck(long ackId, ReadOnlySpan<byte> argsJsonArray) => true;

        public void Disconnect()
        {
        }

        public void CloseTransport()
        {
        }
    }
}
