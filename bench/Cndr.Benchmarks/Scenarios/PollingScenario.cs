using System.IO.Pipelines;
using Cndr.Transport;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Http;
using Cndr.Transport.Sockets;
using Cndr.Transport.SocketIO;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>
/// One Engine.IO long-polling session without sockets: a POST body is parsed by <c>HandlePostAsync</c> (records separated
/// by 0x1E, one of them <c>b</c> + base64) and handed to a counting handler; a GET is answered by <c>HandleGetAsync</c> with
/// the packets queued for the session. The HTTP response goes to an in-memory pipe that is drained after each request.
/// </summary>
internal sealed class PollingScenario
{
    private readonly EngineIOSession _session;
    private readonly HttpContext _context;
    private readonly Pipe _output;
    private readonly byte[] _postBody;
    private readonly OutboundMessage[] _queued;
    private readonly CountingHandler _handler = new();

    /// <param name="queuedPackets">How many packets each GET finds queued (the last one binary, sent as base64).</param>
    public PollingScenario(int queuedPackets)
    {
        var server = new EngineIOServer(new EngineIOOptions(), _handler);
        _session = new EngineIOSession(server, "polling", 1, null);
        _output = new Pipe(new PipeOptions(pool: BlockPool.Instance, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var connection = TransportConnection.FromPipe(new DuplexPipe(new Pipe().Reader, _output.Writer));
        _context = new HttpContext(connection, new HttpServer(new HttpServerOptions()));
        _context.Request.KeepAlive = true;

        // 42["message_to_host",{..}] ␞ 42["poll_response",{..}] ␞ b<base64 of 64 bytes> ␞ 3 (pong)
        _postBody = [
            .. "42[\"message_to_host\",{\"message\":{\"type\":\"move\",\"cell\":[1,2],\"seq\":42}}]"u8, 0x1E,
            .. "42[\"poll_response\",{\"pollId\":\"bench\",\"response\":\"option_1\"}]"u8, 0x1E,
            (byte)'b', .. WireSamples.Utf8(Convert.ToBase64String([.. Enumerable.Range(0, 64).Select(i => (byte)i)])), 0x1E,
            .. "6"u8,
        ];
        _context.Request.RentBody(_postBody.Length);

        _queued = new OutboundMessage[queuedPackets];
        var state = WireSamples.BuildGameState(100);
        for (var i = 0; i < queuedPackets; i++)
        {
            _queued[i] = i == queuedPackets - 1 && queuedPackets > 1
                ? OutboundMessage.CreateBinaryMessage(state.AsSpan(0, 64))
                : WireSamples.EncodeGameStateEvent(state, i + 1);
        }
    }

    /// <summary>Packets the handler received so far.</summary>
    public int Received => _handler.Messages;

    /// <summary>Bytes of the POST body.</summary>
    public int PostBodyLength => _postBody.Length;

    /// <summary>Parses one POST body of 4 records; returns true when it completed synchronously.</summary>
    public bool Post()
    {
        // The base64 record is decoded in place: put the original body back first (one copy of ~200 bytes).
        _postBody.CopyTo(_context.Request.BodyMemory.Span);
        var t = _session.HandlePostAsync(_context);
        var sync = t.IsCompletedSuccessfully;
        if (!sync)
        {
            t.AsTask().GetAwaiter().GetResult();
        }

        Finish();
        return sync;
    }

    /// <summary>Queues the packets (each already encoded) and answers one GET with all of them; returns the response length.</summary>
    public long Get()
    {
        foreach (var m in _queued)
        {
            _session.Send(m);
        }

        var t = _session.HandleGetAsync(_context);
        if (!t.IsCompletedSuccessfully)
        {
            t.AsTask().GetAwaiter().GetResult();
        }

        return Finish();
    }

    /// <summary>The last response as text (for checks; allocates).</summary>
    public string GetResponseText()
    {
        foreach (var m in _queued)
        {
            _session.Send(m);
        }

        _session.HandleGetAsync(_context).AsTask().GetAwaiter().GetResult();
        _output.Reader.TryRead(out var r);
        var text = WireSamples.ToText(r.Buffer);
        _output.Reader.AdvanceTo(r.Buffer.End);
        _context.Response.Reset();
        return text;
    }

    private long Finish()
    {
        if (_context.Response.StatusCode != 200)
        {
            throw new InvalidOperationException($"polling answered {_context.Response.StatusCode}");
        }

        _context.Response.Reset();
        return WireSamples.Drain(_output);
    }

    private sealed class CountingHandler : IEngineIOHandler
    {
        public int Messages;

        public void OnOpen(EngineIOSession session)
        {
        }

        public ValueTask OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary)
        {
            Messages++;
            return default;
        }

        public void OnClose(EngineIOSession session, DisconnectReason reason)
        {
        }
    }
}
