namespace Cndr.Transport.SocketIO;

/// <summary>Byte literals of the Socket.IO layer.</summary>
internal static class SocketIOLiterals
{
    public static ReadOnlySpan<byte> InvalidNamespace => "{\"message\":\"Invalid namespace\"}"u8;
    public static ReadOnlySpan<byte> ConnectSidPrefix => "{\"sid\":\""u8;
}
