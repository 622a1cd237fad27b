using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cndr.Transport;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Protocol;

/// <summary>
/// Outbound encoding: one reusable <see cref="Utf8JsonWriter"/> and scratch buffer per thread, events written
/// straight into pooled <see cref="OutboundMessage"/>s, acks built in the scratch buffer. Nothing here may be
/// used across an <c>await</c> (thread-static state).
/// </summary>
internal static class RelayJson
{
    // Close to JSON.stringify: non-ASCII text is written as is (still valid JSON), only what JSON requires is escaped.
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>The thread's writer, reset onto <paramref name="target"/>. Call <see cref="Utf8JsonWriter.Flush"/> when done.</summary>
    public static Utf8JsonWriter Writer(IBufferWriter<byte> target)
    {
        var w = t_writer;
        if (w is null)
        {
            w = t_writer = new Utf8JsonWriter(target, s_writerOptions);
        }
        else
        {
            w.Reset(target);
        }

        return w;
    }

    /// <summary>The thread's scratch buffer, emptied.</summary>
    public static ArrayBufferWriter<byte> Scratch()
    {
        var s = t_scratch ??= new ArrayBufferWriter<byte>(1024);
        s.ResetWrittenCount();
        return s;
    }

    /// <summary>Starts <c>42["name",</c>; the caller writes exactly one argument, then calls <see cref="EndEvent"/>.</summary>
    public static OutboundMessage StartEvent(ReadOnlySpan<byte> name, int sizeHint = 256)
    {
        var m = OutboundMessage.CreateEvent(default, sizeHint + name.Length + 8);
        m.WriteByte((byte)'[');
        m.WriteByte((byte)'"');
        m.Write(name);
        m.WriteByte((byte)'"');
        m.WriteByte((byte)',');
        return m;
    }

    /// <summary>Writes the closing <c>]</c> and completes the message.</summary>
    public static OutboundMessage EndEvent(OutboundMessage m)
    {
        m.WriteByte((byte)']');
        return m.Complete();
    }

    /// <summary>A complete event whose single argument is <paramref name="argJson"/>.</summary>
    public static OutboundMessage Event(ReadOnlySpan<byte> name, ReadOnlySpan<byte> argJson)
    {
        var m = StartEvent(name, argJson.Length);
        m.Write(argJson);
        return EndEvent(m);
    }

    /// <summary>Sends <paramref name="message"/> once to one connection and releases the creator's reference.</summary>
    public static void SendOnce(ISocketIOConnection connection, OutboundMessage message)
    {
        connection.Send(message);
        message.Release();
    }

    /// <summary>Acks <c>[{"status":"ok"}]</c>.</summary>
    public static void AckOk(ISocketIOConnection connection, long ackId)
    {
        if (ackId >= 0)
        {
            connection.SendAck(ackId, "[{\"status\":\"ok\"}]"u8);
        }
    }

    /// <summary>Acks <c>[{"status":"ok","rev":N}]</c>.</summary>
    public static void AckOkRev(ISocketIOConnection connection, long ackId, long rev)
    {
        if (ackId < 0)
        {
            return;
        }

        Span<byte> buf = stackalloc byte[64];
        var prefix = "[{\"status\":\"ok\",\"rev\":"u8;
        prefix.CopyTo(buf);
        var n = prefix.Length;
        System.Buffers.Text.Utf8Formatter.TryFormat(rev, buf[n..], out var w);
        n += w;
        buf[n++] = (byte)'}';
        buf[n++] = (byte)']';
        connection.SendAck(ackId, buf[..n]);
    }

    /// <summary>Writes <c>"code":..,"message":..[,"retryAfterMs":n]</c> (no braces).</summary>
    private static void WriteErrorFields(Utf8JsonWriter w, ErrorCode code, long retryAfterMs)
    {
        w.WriteString("code"u8, ErrorCodes.Code(code));
        w.WriteString("message"u8, ErrorCodes.DefaultMessage(code));
        if (retryAfterMs >= 0)
        {
            w.WriteNumber("retryAfterMs"u8, retryAfterMs);
        }
    }

    /// <summary>Acks <c>[{"status":"error","error":{code,message[,retryAfterMs]}}]</c>.</summary>
    public static void AckError(ISocketIOConnection connection, long ackId, ErrorCode code, long retryAfterMs = -1)
    {
        var s = Scratch();
        var w = Writer(s);
        w.WriteStartArray();
        WriteErrorObject(w, code, retryAfterMs);
        w.WriteEndArray();
        w.Flush();
        connection.SendAck(ackId, s.WrittenSpan);
    }

    /// <summary>Writes <c>{"status":"error","error":{...}}</c>.</summary>
    public static void WriteErrorObject(Utf8JsonWriter w, ErrorCode code, long retryAfterMs = -1)
    {
        w.WriteStartObject();
        w.WriteString("status"u8, "error"u8);
        w.WriteStartObject("error"u8);
        WriteErrorFields(w, code, retryAfterMs);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The <c>relay_error</c> event <c>{code,message[,retryAfterMs],command}</c> (command null when <paramref name="command"/> is empty).</summary>
    public static OutboundMessage RelayError(ErrorCode code, ReadOnlySpan<byte> command, long retryAfterMs = -1)
    {
        var m = StartEvent("relay_error"u8, 128);
        var w = Writer(m);
        w.WriteStartObject();
        WriteErrorFields(w, code, retryAfterMs);
        if (command.IsEmpty)
        {
            w.WriteNull("command"u8);
        }
        else
        {
            w.WriteString("command"u8, command);
        }

        w.WriteEndObject();
        w.Flush();
        return EndEvent(m);
    }

    /// <summary>Reports an error through the ack when there is one, else as <c>relay_error</c>.</summary>
    public static void Fail(ISocketIOConnection connection, long ackId, ErrorCode code, ReadOnlySpan<byte> command, long retryAfterMs = -1)
    {
        (connection.UserState as Relay.ClientSession)?.Counters?.Error(code);
        if (ackId >= 0)
        {
            AckError(connection, ackId, code, retryAfterMs);
        }
        else
        {
            SendOnce(connection, RelayError(code, command, retryAfterMs));
        }
    }

    /// <summary>The CONNECT_ERROR payload <c>{"message":..,"data":{"code":..}}</c> (owned bytes).</summary>
    public static byte[] ConnectError(ErrorCode code, long retryAfterMs = -1)
    {
        var s = Scratch();
        var w = Writer(s);
        w.WriteStartObject();
        w.WriteString("message"u8, ErrorCodes.DefaultMessage(code));
        w.WriteStartObject("data"u8);
        w.WriteString("code"u8, ErrorCodes.Code(code));
        if (retryAfterMs >= 0)
        {
            w.WriteNumber("retryAfterMs"u8, retryAfterMs);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        return s.WrittenSpan.ToArray();
    }
}
