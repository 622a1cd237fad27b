using System.IO.Pipelines;
using System.Text;
using Cndr.Core;
using Cndr.Core.Relay;
using Cndr.Core.Store;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Sockets;
using Cndr.Transport.SocketIO;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// One node without sockets: Socket.IO server + relay (embedded store), every client an Engine.IO WebSocket session
/// whose output is an in-memory pipe. Inbound packets enter where the WebSocket read loop hands them over
/// (<c>EngineIOSession.OnPacketAsync</c>: Engine.IO type, Socket.IO parse, relay dispatch); outbound frames are
/// written by each session's pump into its pipe and drained by <see cref="DrainAll"/>.
/// Room BENCH1: 1 host + <c>players</c> players + <c>audience</c> audience.
/// </summary>
internal sealed class NodeScenario : IDisposable
{
    private readonly SocketIOServer _sio;
    private readonly List<Client> _clients = [];

    public NodeScenario(int players, int audience, bool reusingBlockPool = true)
    {
        var engineOptions = new EngineIOOptions { MaxOutboundBytes = 64L * 1024 * 1024 };
        _sio = new SocketIOServer(engineOptions);
        var store = new EmbeddedRelayStore();
        var options = new RelayOptions { RateLimitMessages = int.MaxValue };
        Relay = new RelayHandler(store, new InProcessRoomBus(options.NodeId), options);
        _sio.AddNamespace("/", Relay);
        RoomCode.TryParse("BENCH1", out var code);
        store.CreateRoomAsync(code, new RoomConfig("key", "", 0, 0, 0), 0).AsTask().GetAwaiter().GetResult();
        ReusingBlockPool = reusingBlockPool;

        Host = Connect("""{"roomCode":"BENCH1","role":"host","hostKey":"key"}""");
        for (var i = 0; i < players; i++)
        {
            Connect("""{"roomCode":"BENCH1","role":"player","meta":{"playerName":"P"}}""");
        }

        for (var i = 0; i < audience; i++)
        {
            Connect("""{"roomCode":"BENCH1","role":"audience"}""");
        }

        DrainAll();
    }

    public RelayHandler Relay { get; }

    public Client Host { get; }

    public int ClientCount => _clients.Count;

    private bool ReusingBlockPool { get; }

    /// <summary>The Engine.IO message (without the leading <c>4</c>) <c>2["set_game_state",{"state":…}]</c>.</summary>
    public static byte[] SetGameStatePacket(ReadOnlySpan<byte> state)
        => [.. "42[\"set_game_state\",{\"state\":"u8, .. state, .. "}]"u8];

    /// <summary>Delivers one Engine.IO packet from <paramref name="from"/>; true when it completed synchronously (throws when refused).</summary>
    public static bool Inbound(Client from, ReadOnlyMemory<byte> engineIOPacket)
    {
        var t = from.Session.OnPacketAsync(engineIOPacket, false);
        var sync = t.IsCompletedSuccessfully;
        if (!(sync ? t.Result : t.AsTask().GetAwaiter().GetResult()))
        {
            throw new InvalidOperationException("packet refused");
        }

        return sync;
    }

    /// <summary>Reads every client's pipe; returns the bytes written since the last drain.</summary>
    public long DrainAll()
    {
        long total = 0;
        foreach (var c in _clients)
        {
            total += WireSamples.Drain(c.Output);
        }

        return total;
    }

    public void Dispose()
    {
        Relay.Dispose();
        foreach (var c in _clients)
        {
            c.Session.Close();
        }
    }

    private Client Connect(string auth)
    {
        var output = new Pipe(new PipeOptions(pool: ReusingBlockPool ? BlockPool.Instance : null, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var input = new Pipe();
        var connection = TransportConnection.FromPipe(new DuplexPipe(input.Reader, output.Writer));
        var channel = new WebSocketChannel(connection, 65536, _sio.Counters);
        var session = new EngineIOSession(_sio.Engine, "s" + _clients.Count, (UInt128)(_clients.Count + 1), null);
        session.AttachWebSocket(channel);
        ((IEngineIOHandler)_sio).OnOpen(session);
        var client = new Client(session, output);
        _clients.Add(client);
        Inbound(client, Encoding.UTF8.GetBytes("40" + auth));
        var reply = WireSamples.ToText(client.Output.Reader.TryRead(out var r) ? r.Buffer : default);
        if (!reply.Contains("handshake_response", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("connect refused: " + reply);
        }

        client.Output.Reader.AdvanceTo(r.Buffer.End);
        return client;
    }

    /// <summary>One simulated client: its Engine.IO session and the pipe its frames are written to.</summary>
    internal sealed class Client(EngineIOSession session, Pipe output)
    {
        public EngineIOSession Session { get; } = session;

        public Pipe Output { get; } = output;
    }
}

/// <summary>An <see cref="IDuplexPipe"/> over two pipe ends.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
