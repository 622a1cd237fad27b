using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Cndr.Transport.Http;

namespace Cndr.Transport.WebSockets;

/// <summary>RFC 6455 §4.2 server handshake.</summary>
public static class WebSocketHandshake
{
    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>True when the request is a well-formed WebSocket upgrade request (RFC 6455 §4.2.1).</summary>
    public static bool IsValidUpgradeRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Verb == HttpVerb.Get
            && request.IsHttp11
            && request.IsUpgrade
            && request.TryGetHeader("upgrade"u8, out var upgrade) && HttpRequestParser.ContainsToken(upgrade, "websocket"u8)
            && request.TryGetHeader("sec-websocket-version"u8, out var version) && version.SequenceEqual("13"u8)
            && request.TryGetHeader("sec-websocket-key"u8, out var key) && IsValidKey(key);
    }

    private static bool IsValidKey(ReadOnlySpan<byte> key)
    {
        // base64 of 16 bytes
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Base64.DecodeFromUtf8(key, decoded, out _, out var written) == System.Buffers.OperationStatus.Done && written == 16;
    }

    /// <summary>Computes Sec-WebSocket-Accept for a key (28 ASCII bytes).</summary>
    public static int ComputeAccept(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[24 + 36];
        key.CopyTo(buffer);
        Guid.CopyTo(buffer[key.Length..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buffer[..(key.Length + 36)], hash);
        Base64.EncodeToUtf8(hash, destination, out _, out var written);
        return written;
    }

    /// <summary>
    /// Validates the upgrade request and writes the 101 response. Returns false (writing nothing) when the
    /// request is not a valid upgrade; the caller then answers 400. On success the HTTP loop leaves the
    /// connection to the caller.
    /// </summary>
    public static bool TryAccept(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsValidUpgradeRequest(context.Request))
        {
            return false;
        }

        context.Request.TryGetHeader("sec-websocket-key"u8, out var key);
        Span<byte> accept = stackalloc byte[28];
        ComputeAccept(key, accept);
        var response = context.Response;
        response.WriteHead(101, default, 0);
        response.Write("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8);
        response.Write(accept);
        response.Write("\r\n\r\n"u8);
        context.IsUpgraded = true;
        return true;
    }

    /// <summary>Sec-WebSocket-Accept as a string (tests).</summary>
    public static string ComputeAccept(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> dst = stackalloc byte[28];
        var n = ComputeAccept(Encoding.ASCII.GetBytes(key), dst);
        return Encoding.ASCII.GetString(dst[..n]);
    }
}
