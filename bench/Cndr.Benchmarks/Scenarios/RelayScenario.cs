using System.Text;
using Cndr.Core;
using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// The relay on the embedded store with <see cref="SinkConnection"/>s: a room of 1 host + <c>players</c> players +
/// <c>audience</c> audience (BENCH1, one active single_choice poll "bench" with every audience member's answer),
/// a room whose host is away (BENCH2, for the to-host queue) and a host-only room for poll_start / poll_end (BENCH3).
/// Every command is a pre-built inbound event; each method runs one through <see cref="RelayHandler.OnEventAsync"/>.
/// </summary>
internal sealed class RelayScenario : IDisposable
{
    private const int PollIds = 1024;
    private const int QueueDrainEvery = 500;

    private readonly EmbeddedRelayStore _store = new();
    private readonly RoomCode _main;
    private readonly RoomCode _away;
    private readonly RoomCode _polls;
    private readonly byte[] _audienceAuth = WireSamples.Utf8("""{"roomCode":"BENCH1","role":"audience"}""");
    private readonly SocketIOEvent[] _pollStarts = new SocketIOEvent[PollIds];
    private readonly SocketIOEvent[] _pollEnds = new SocketIOEvent[PollIds];
    private readonly SinkConnection _handshake = new("bench-handshake");
    private SinkConnection _pollHost = null!;
    private int _nextPoll;
    private int _queued;

    public RelayScenario(int players = 8, int audience = 50)
    {
        var options = new RelayOptions { RateLimitMessages = int.MaxValue, ToHostQueueLimit = QueueDrainEvery * 2 };
        Relay = new RelayHandler(_store, new InProcessRoomBus(options.NodeId), options);
        RoomCode.TryParse("BENCH1", out _main);
        RoomCode.TryParse("BENCH2", out _away);
        RoomCode.TryParse("BENCH3", out _polls);
        foreach (var code in new[] { _main, _away, _polls })
        {
            Create(code);
        }

        Host = Join("host", """{"roomCode":"BENCH1","role":"host","hostKey":"key"}""");
        Players = new SinkConnection[players];
        for (var i = 0; i < players; i++)
        {
            Players[i] = Join($"player{i}", """{"roomCode":"BENCH1","role":"player","meta":{"playerName":"P"}}""");
        }

        Audience = new SinkConnection[audience];
        for (var i = 0; i < audience; i++)
        {
            Audience[i] = Join($"audience{i}", """{"roomCode":"BENCH1","role":"audience"}""");
        }

        AwayPlayer = Join("away-player", """{"roomCode":"BENCH2","role":"player","meta":{"playerName":"Q"}}""");
        _pollHost = Join("poll-host", """{"roomCode":"BENCH3","role":"host","hostKey":"key"}""");

        SetGameStateEvent = Event("set_game_state", "{\"state\":" + Encoding.UTF8.GetString(WireSamples.GameState1K) + "}");
        SetPlayerStateEvent = Event("set_player_state", $$$"""{"clientId":"{{{((ClientSession)Players[0].UserState!).ClientId}}}","state":{"hand":["7H","QS","2D"],"secret":42}}""");
        MessageToHostEvent = Event("message_to_host", """{"message":{"type":"move","cell":[1,2],"seq":42}}""");
        PollResponseEvent = Event("poll_response", """{"pollId":"bench","response":"option_1"}""");
        PollResultsEvent = Event("poll_results_request", """{"pollId":"bench"}""");
        for (var i = 0; i < PollIds; i++)
        {
            _pollStarts[i] = Event("poll_start", $$"""{"pollId":"p{{i}}","type":"single_choice","question":"Which one?","options":["red","green","blue"]}""");
            _pollEnds[i] = Event("poll_end", $$"""{"pollId":"p{{i}}"}""");
        }

        Run(Host, Event("poll_start", """{"pollId":"bench","type":"single_choice","question":"Which one?","options":["red","green","blue"]}"""));
        foreach (var a in Audience)
        {
            Run(a, PollResponseEvent);
        }
    }

    public RelayHandler Relay { get; }

    public SinkConnection Host { get; }

    public SinkConnection[] Players { get; }

    public SinkConnection[] Audience { get; }

    /// <summary>A player of BENCH2, whose host is away: its messages are queued.</summary>
    public SinkConnection AwayPlayer { get; }

    public SocketIOEvent SetGameStateEvent { get; }

    public SocketIOEvent SetPlayerStateEvent { get; }

    public SocketIOEvent MessageToHostEvent { get; }

    public SocketIOEvent PollResponseEvent { get; }

    public SocketIOEvent PollResultsEvent { get; }

    /// <summary>Sum of <see cref="SinkConnection.Sends"/> over every connection of BENCH1.</summary>
    public int RoomSends => Host.Sends + Players.Sum(p => p.Sends) + Audience.Sum(a => a.Sends);

    /// <summary>An inbound event as the Socket.IO layer hands it over: <c>["name",arg]</c> with ack id 7.</summary>
    public static SocketIOEvent Event(string name, string arg, long ackId = 7)
    {
        var data = Encoding.UTF8.GetBytes($"[\"{name}\",{arg}]");
        var argStart = name.Length + 4;
        return new SocketIOEvent(Encoding.UTF8.GetBytes(name), data, data.AsMemory(argStart, data.Length - argStart - 1), ackId, null);
    }

    /// <summary>Runs one inbound event; true when it completed synchronously (it always should on the embedded store).</summary>
    public bool Run(SinkConnection from, in SocketIOEvent evt)
    {
        var t = Relay.OnEventAsync(from, evt);
        if (t.IsCompletedSuccessfully)
        {
            return true;
        }

        t.AsTask().GetAwaiter().GetResult();
        return false;
    }

    /// <summary>Host → set_game_state (1 KiB) → game_state to every player and audience member.</summary>
    public bool SetGameState() => Run(Host, SetGameStateEvent);

    /// <summary>Host → set_player_state → player_state to the first player.</summary>
    public bool SetPlayerState() => Run(Host, SetPlayerStateEvent);

    /// <summary>Player → message_to_host, delivered directly to the connected host.</summary>
    public bool MessageToHost() => Run(Players[0], MessageToHostEvent);

    /// <summary>
    /// Player of a room whose host is away → message_to_host, queued in the store; every 500 messages the queue is
    /// drained (as a joining host would) so that it never fills.
    /// </summary>
    public bool MessageToHostQueued()
    {
        var sync = Run(AwayPlayer, MessageToHostEvent);
        if (++_queued == QueueDrainEvery)
        {
            _queued = 0;
            // Empty it as a host would: claim, ack what was queued, leave (the relay's room stays host-less).
            _store.ClaimHostAsync(_away, "bench-drain", "bench", 1).AsTask().GetAwaiter().GetResult();
            _store.AckToHostAsync(_away, "bench-drain", QueueDrainEvery).AsTask().GetAwaiter().GetResult();
            _store.ReleaseHostAsync(_away, "bench-drain", 1).AsTask().GetAwaiter().GetResult();
        }

        return sync;
    }

    /// <summary>Audience → poll_response (single_choice; last answer wins).</summary>
    public bool PollResponse() => Run(Audience[0], PollResponseEvent);

    /// <summary>Host → poll_results_request → poll_results (and the ack) over the answers of every audience member.</summary>
    public bool PollResults() => Run(Host, PollResultsEvent);

    /// <summary>Host → poll_start then poll_end of a new poll (poll ids are unique per room: the room is recreated every 1024).</summary>
    public bool PollStartEnd()
    {
        if (_nextPoll == PollIds)
        {
            _nextPoll = 0;
            Relay.CloseRoomAsync(_polls, RoomCloseReason.ClosedByHost).GetAwaiter().GetResult();
            Create(_polls);
            _pollHost = Join("poll-host", """{"roomCode":"BENCH3","role":"host","hostKey":"key"}""");
        }

        var i = _nextPoll++;
        return Run(_pollHost, _pollStarts[i]) & Run(_pollHost, _pollEnds[i]);
    }

    /// <summary>A new audience connection joins BENCH1 by connect-auth handshake (store join), then disconnects (store leave).</summary>
    public bool HandshakeAndDisconnect()
    {
        var decision = Relay.OnConnectAsync(_handshake, _audienceAuth);
        var sync = decision.IsCompletedSuccessfully;
        if (!decision.AsTask().GetAwaiter().GetResult().Accepted)
        {
            throw new InvalidOperationException("handshake refused");
        }

        Relay.OnConnected(_handshake);
        Relay.OnDisconnected(_handshake, DisconnectReason.ClientNamespaceDisconnect);
        return sync;
    }

    /// <summary>Resets every connection's counters.</summary>
    public void ResetCounts()
    {
        foreach (var c in Players.Concat(Audience).Append(Host).Append(AwayPlayer))
        {
            c.Sends = 0;
            c.Acks = 0;
        }
    }

    public void Dispose() => Relay.Dispose();

    private void Create(RoomCode code)
    {
        if (_store.CreateRoomAsync(code, new RoomConfig("key", "", 0, 0, 0), 0).AsTask().GetAwaiter().GetResult() != CreateRoomOutcome.Created)
        {
            throw new InvalidOperationException("room not created");
        }
    }

    private SinkConnection Join(string id, string auth)
    {
        var c = new SinkConnection(id);
        var d = Relay.OnConnectAsync(c, Encoding.UTF8.GetBytes(auth)).AsTask().GetAwaiter().GetResult();
        if (!d.Accepted)
        {
            throw new InvalidOperationException(Encoding.UTF8.GetString(d.ErrorJson.Span));
        }

        Relay.OnConnected(c);
        return c;
    }
}
