namespace Cndr.Transport.EngineIO;

/// <summary>Engine.IO v4 packets with a fixed body, stored as complete WebSocket text frames (polling uses the bytes after the 2-byte header).</summary>
internal static class EngineIOLiterals
{
    public static readonly byte[] PingFrame = [0x81, 1, (byte)'2'];
    public static readonly byte[] NoopFrame = [0x81, 1, (byte)'6'];
    public static readonly byte[] CloseFrame = [0x81, 1, (byte)'1'];
    public static readonly byte[] ProbeReplyFrame = [0x81, 6, (byte)'3', (byte)'p', (byte)'r', (byte)'o', (byte)'b', (byte)'e'];

    public static ReadOnlySpan<byte> Ok => "ok"u8;
    public static ReadOnlySpan<byte> ProbePing => "2probe"u8;
    public static ReadOnlySpan<byte> BadRequestTransport => "{\"code\":0,\"message\":\"Transport unknown\"}"u8;
    public static ReadOnlySpan<byte> BadRequestSid => "{\"code\":1,\"message\":\"Session ID unknown\"}"u8;
    public static ReadOnlySpan<byte> BadRequestMethod => "{\"code\":2,\"message\":\"Bad handshake method\"}"u8;
    public static ReadOnlySpan<byte> BadRequest => "{\"code\":3,\"message\":\"Bad request\"}"u8;
    public static ReadOnlySpan<byte> Forbidden => "{\"code\":4,\"message\":\"Forbidden\"}"u8;
    public static ReadOnlySpan<byte> TooManyPending => "{\"code\":3,\"message\":\"Too many sessions not yet established\"}"u8;
    public static ReadOnlySpan<byte> BadProtocol => "{\"code\":5,\"message\":\"Unsupported protocol version\"}"u8;
}

/// <summary>The application side of an Engine.IO endpoint (Socket.IO, or the raw echo of conformance mode).</summary>
public interface IEngineIOHandler
{
    /// <summary>A session opened (the open packet is queued).</summary>
    void OnOpen(EngineIOSession session);

    /// <summary>
    /// A message packet arrived. <paramref name="data"/> (text without the <c>4</c> type, or binary) is valid until the
    /// returned task completes. Calls for one session are sequential and in order.
    /// </summary>
    ValueTask OnMessageAsync(EngineIOSession session, ReadOnlyMemory<byte> data, bool isBinary);

    /// <summary>The session closed (called once).</summary>
    void OnClose(EngineIOSession session, Cndr.Transport.SocketIO.DisconnectReason reason);
}
