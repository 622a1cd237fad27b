using System.Buffers;
using BenchmarkDotNet.Attributes;
using Cndr.Benchmarks.Scenarios;
using Cndr.Transport;
using Cndr.Transport.SocketIO;
using Cndr.Transport.WebSockets;

namespace Cndr.Benchmarks;

/// <summary>
/// Parse and encode of single packets at each layer: WebSocket frames, Engine.IO packets, Socket.IO packets
/// (plain event, binary event, ack). Targets: 0 B per parsed packet; 0 B per encoded packet (pooled buffers),
/// except binary attachments, which are copied once per message.
/// </summary>
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private InboundFrame _smallFrame = null!;
    private InboundFrame _kibFrame = null!;
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private byte[] _state = [];
    private byte[] _binary = [];
    private byte[] _sioEvent = [];
    private byte[] _sioBinaryEvent = [];
    private byte[] _sioAck = [];

    [GlobalSetup]
    public void Setup()
    {
        _smallFrame = new InboundFrame("message_to_host", """{"message":{"type":"move","cell":[1,2],"seq":42}}"""u8);
        _kibFrame = new InboundFrame("set_game_state", [.. "{\"state\":"u8, .. WireSamples.GameState1K, .. "}"u8]);
        _state = WireSamples.GameState1K;
        _binary = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        _sioEvent = [.. "2[\"set_game_state\",{\"state\":"u8, .. _state, .. "}]"u8];
        _sioBinaryEvent = """51-["upload",{"name":"avatar.png","data":{"_placeholder":true,"num":0}}]"""u8.ToArray();
        _sioAck = """312[{"status":"ok","rev":7}]"""u8.ToArray();
        if (_smallFrame.Parse() == 0 || _kibFrame.Parse() == 0)
        {
            throw new InvalidOperationException("sample frames do not parse");
        }
    }

    /// <summary>Masked WebSocket frame (~70 B) → unmask → Engine.IO message → Socket.IO EVENT name + raw args.</summary>
    [Benchmark]
    public int WebSocketParseSmallEvent() => _smallFrame.Parse();

    /// <summary>Masked WebSocket frame (~1 KiB, 16-bit length) → … → EVENT name + raw args.</summary>
    [Benchmark]
    public int WebSocketParse1KiBEvent() => _kibFrame.Parse();

    /// <summary>Server frame (header + 1 KiB payload) into a reused buffer writer.</summary>
    [Benchmark]
    public int WebSocketEncodeFrame()
    {
        _out.ResetWrittenCount();
        WebSocketFrameWriter.WriteFrame(_out, WebSocketConstants.OpText, _state);
        return _out.WrittenCount;
    }

    /// <summary>Engine.IO message packet <c>4…</c> (1 KiB) into a pooled OutboundMessage, WebSocket header placed in front.</summary>
    [Benchmark]
    public int EngineIOEncodeMessage()
    {
        var m = OutboundMessage.Create(_state.Length + 1);
        m.WriteByte((byte)'4');
        m.Write(_state);
        var n = m.Complete().WebSocketFrame.Length;
        m.Release();
        return n;
    }

    /// <summary>Engine.IO binary message (256 B) into a pooled OutboundMessage.</summary>
    [Benchmark]
    public int EngineIOEncodeBinary()
    {
        var m = OutboundMessage.CreateBinaryMessage(_binary);
        var n = m.WebSocketFrame.Length;
        m.Release();
        return n;
    }

    /// <summary>Socket.IO EVENT <c>2["set_game_state",{…1 KiB…}]</c> → name and argument ranges.</summary>
    [Benchmark]
    public int SocketIOParseEvent()
    {
        SocketIOPacketParser.TryParse(_sioEvent, 10, out var p);
        return p.NameLength + p.ArgsLength;
    }

    /// <summary>Socket.IO BINARY_EVENT header <c>51-["upload",{…placeholder…}]</c>.</summary>
    [Benchmark]
    public int SocketIOParseBinaryEvent()
    {
        SocketIOPacketParser.TryParse(_sioBinaryEvent, 10, out var p);
        return p.Attachments + p.NameLength;
    }

    /// <summary>Socket.IO ACK <c>312[{…}]</c> (a client answering a server emit).</summary>
    [Benchmark]
    public long SocketIOParseAck()
    {
        SocketIOPacketParser.TryParse(_sioAck, 10, out var p);
        return p.AckId;
    }

    /// <summary>Socket.IO EVENT <c>42["game_state",{"state":…1 KiB…,"rev":N}]</c>, encoded once into a pooled frame.</summary>
    [Benchmark]
    public int SocketIOEncodeEvent()
    {
        var m = WireSamples.EncodeGameStateEvent(_state, 7);
        var n = m.WebSocketFrame.Length;
        m.Release();
        return n;
    }

    /// <summary>Socket.IO ACK <c>4312[{"status":"ok","rev":7}]</c>.</summary>
    [Benchmark]
    public int SocketIOEncodeAck()
    {
        var m = OutboundMessage.CreateAck(default, 12, 32);
        m.Write("[{\"status\":\"ok\",\"rev\":7}]"u8);
        var n = m.Complete().WebSocketFrame.Length;
        m.Release();
        return n;
    }

    /// <summary>Socket.IO BINARY_EVENT <c>451-["file",{placeholder}]</c> + one 256 B attachment (the attachment is copied).</summary>
    [Benchmark]
    public int SocketIOEncodeBinaryEvent()
    {
        var m = OutboundMessage.CreateBinary(default, 1, -1, false, 64);
        m.Write("[\"file\",{\"_placeholder\":true,\"num\":0}]"u8);
        m.AddAttachment(_binary);
        var n = m.Complete().QueuedBytes;
        m.Release();
        return n;
    }
}
