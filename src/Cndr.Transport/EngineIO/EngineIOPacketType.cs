namespace Cndr.Transport.EngineIO;

/// <summary>Engine.IO v4 packet types (the first character of a text packet).</summary>
public enum EngineIOPacketType : byte
{
    /// <summary><c>0</c>: the handshake (server to client).</summary>
    Open = 0,
    /// <summary><c>1</c>: the transport closes.</summary>
    Close = 1,
    /// <summary><c>2</c>: heartbeat ping (server to client; <c>2probe</c> on an upgrade probe).</summary>
    Ping = 2,
    /// <summary><c>3</c>: heartbeat pong.</summary>
    Pong = 3,
    /// <summary><c>4</c>: a message (also every binary packet).</summary>
    Message = 4,
    /// <summary><c>5</c>: the client switches to the probed transport.</summary>
    Upgrade = 5,
    /// <summary><c>6</c>: nothing (releases a pending poll).</summary>
    Noop = 6,
}
