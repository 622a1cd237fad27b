using System.Buffers;
using System.Text;
using Cndr.Transport;
using Cndr.Transport.WebSockets;

namespace Cndr.Benchmarks.Scenarios;

/// <summary>Byte samples of the wire protocol (built once; shared by the benchmarks and the allocation-budget tests).</summary>
internal static class WireSamples
{
    /// <summary>About 1 KiB of opaque game state (a JSON object).</summary>
    public static readonly byte[] GameState1K = BuildGameState(1000);

    /// <summary>A JSON object of about <paramref name="size"/> bytes.</summary>
    public static byte[] BuildGameState(int size)
    {
        var sb = new StringBuilder("{\"round\":3,\"players\":[");
        for (var i = 0; sb.Length < size; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("{\"id\":\"p").Append(i).Append("\",\"score\":").Append(i * 10).Append(",\"ready\":true}");
        }

        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>UTF-8 of <paramref name="text"/>.</summary>
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A masked client text frame (RFC 6455 §5.2) carrying <paramref name="payload"/>; the key is fixed.</summary>
    public static byte[] MaskedTextFrame(ReadOnlySpan<byte> payload, out int payloadOffset, out uint mask)
    {
        byte[] key = [0x12, 0x34, 0x56, 0x78];
        var header = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = 0x81;
        if (header == 2)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (header == 4)
        {
            frame[1] = 0x80 | 126;
            frame[2] = (byte)(payload.Length >> 8);
            frame[3] = (byte)payload.Length;
        }
        else
        {
            frame[1] = 0x80 | 127;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        key.CopyTo(frame, header);
        payloadOffset = header + 4;
        payload.CopyTo(frame.AsSpan(payloadOffset));
        mask = WebSocketMasking.ReadKey(key);
        WebSocketMasking.Apply(frame.AsSpan(payloadOffset), mask, 0);
        return frame;
    }

    /// <summary>Writes the outbound <c>42["game_state",{"state":&lt;state&gt;,"rev":N}]</c> event as the relay does (pooled, framed once).</summary>
    public static OutboundMessage EncodeGameStateEvent(ReadOnlySpan<byte> state, long rev)
    {
        var m = OutboundMessage.CreateEvent(default, state.Length + 48);
        m.Write("[\"game_state\",{\"state\":"u8);
        m.Write(state);
        m.Write(",\"rev\":"u8);
        m.WriteInt64(rev);
        m.Write("}]"u8);
        return m.Complete();
    }

    /// <summary>Reads everything written to <paramref name="pipe"/> so far and returns its length.</summary>
    public static long Drain(System.IO.Pipelines.Pipe pipe)
    {
        var reader = pipe.Reader;
        if (!reader.TryRead(out var result))
        {
            return 0;
        }

        var n = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        return n;
    }

    /// <summary>Copies <paramref name="buffer"/> into a byte array (for checks in setup, not on measured paths).</summary>
    public static string ToText(in ReadOnlySequence<byte> buffer) => Encoding.UTF8.GetString(buffer.ToArray());
}
