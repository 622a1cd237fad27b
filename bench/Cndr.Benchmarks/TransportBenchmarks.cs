using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Cndr.Transport;
using Cndr.Transport.EngineIO;
using Cndr.Transport.Sockets;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Benchmarks;

/// <summary>Inbound parse, outbound encode and fan-out of the transport hot path.</summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    private const int Recipients = 100;

    private byte[] _frame = [];
    private uint _mask;
    private int _payloadOffset;
    private WebSocketFrameReader _reader = null!;
    private byte[] _state = [];
    private OutboundMessage _shared = null!;
    private EngineIOSession[] _sessions = [];
    private Pipe[] _pipes = [];
    private static readonly BlockMemoryPool s_blocks = new();

    /// <summary>true: pipes use the listener's <see cref="BlockMemoryPool"/> (as in production); false: MemoryPool.Shared.</summary>
    [Params(true, false)]
    public bool PoolForPipes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // ~1 KiB of opaque game state
        var sb = new StringBuilder("{\"round\":3,\"players\":[");
        for (var i = 0; sb.Length < 1000; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("{\"id\":\"p").Append(i).Append("\",\"score\":").Append(i * 10).Append(",\"ready\":true}");
        }

        sb.Append("]}");
        _state = Encoding.UTF8.GetBytes(sb.ToString());
        var packet = Encoding.UTF8.GetBytes("42[\"set_game_state\"," + sb + "]");

        // Masked client text frame (RFC 6455 §5.2): FIN|text, MASK|126, 16-bit length, key, masked payload.
        byte[] key = [0x12, 0x34, 0x56, 0x78];
        _frame = new byte[4 + 4 + packet.Length];
        _frame[0] = 0x81;
        _frame[1] = 0x80 | 126;
        _frame[2] = (byte)(packet.Length >> 8);
        _frame[3] = (byte)packet.Length;
        key.CopyTo(_frame, 4);
        _payloadOffset = 8;
        packet.CopyTo(_frame, 8);
        _mask = WebSocketMasking.ReadKey(key);
        WebSocketMasking.Apply(_frame.AsSpan(8), _mask, 0);
        _reader = new WebSocketFrameReader(65536, null);

        _shared = BuildEvent();

        var server = new EngineIOServer(new EngineIOOptions { MaxOutboundBytes = 64L * 1024 * 1024 }, new NullHandler());
        _sessions = new EngineIOSession[Recipients];
        _pipes = new Pipe[Recipients];
        for (var i = 0; i < Recipients; i++)
        {
            var output = new Pipe(new PipeOptions(pool: PoolForPipes ? s_blocks : null, pauseWriterThreshold: 0, useSynchronizationContext: false));
            var input = new Pipe();
            _pipes[i] = output;
            var conn = TransportConnection.FromPipe(new Duplex(input.Reader, output.Writer));
            var channel = new WebSocketChannel(conn, 65536, server.Counters);
            var session = new EngineIOSession(server, "bench" + i, (UInt128)i, null);
            session.AttachWebSocket(channel);
            _sessions[i] = session;
        }
    }

    private OutboundMessage BuildEvent()
    {
        var m = OutboundMessage.CreateEvent(default, _state.Length + 32);
        m.Write("[\"game_state\","u8);
        m.Write(_state);
        m.WriteByte((byte)']');
        return m.Complete();
    }

    /// <summary>Masked WebSocket frame → unmasked Engine.IO message → Socket.IO EVENT name + raw args.</summary>
    [Benchmark]
    public int ParseInboundEvent()
    {
        var seq = new ReadOnlySequence<byte>(_frame);
        _reader.Process(seq, out _, out _);
        var message = _reader.Message.Span;

        // Engine.IO type '4' then the Socket.IO packet.
        SocketIOPacketParser.TryParse(message[1..], 10, out var packet);
        var name = message.Slice(1 + packet.NameStart, packet.NameLength);
        var args = message.Slice(1 + packet.ArgsStart, packet.ArgsLength);

        // The frame was unmasked in place; mask it again for the next iteration (one vectorised XOR pass).
        WebSocketMasking.Apply(_frame.AsSpan(_payloadOffset), _mask, 0);
        return name.Length + args.Length;
    }

    /// <summary>Encode one outbound EVENT frame (pooled buffer, header in front of the payload).</summary>
    [Benchmark]
    public int EncodeEventFrame()
    {
        var m = BuildEvent();
        var n = m.WebSocketFrame.Length;
        m.Release();
        return n;
    }

    /// <summary>One pre-encoded frame written to 100 WebSocket connections (in-memory pipes, drained after).</summary>
    [Benchmark(OperationsPerInvoke = Recipients)]
    public long FanOutTo100Connections()
    {
        long total = 0;
        for (var i = 0; i < _sessions.Length; i++)
        {
            _sessions[i].Send(_shared);
        }

        for (var i = 0; i < _pipes.Length; i++)
        {
            var reader = _pipes[i].Reader;
            if (reader.TryRead(out var result))
            {
                total += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
            }
        }

        return total;
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class NullHandler : IEngineIOHandler
    {
        public void OnOpen(EngineIOSession session)
        {
        }

        public ValueTask OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary) => default;

        public void OnClose(EngineIOSession session, DisconnectReason reason)
        {
        }
    }
}
