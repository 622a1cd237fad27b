namespace Cndr.Core.Store;

/// <summary>A connection's role in a room.</summary>
public enum ClientRole : byte
{
    /// <summary>The room's host (one at a time; authenticated by the host key).</summary>
    Host = 1,
    /// <summary>A player: holds a persistent seat (clientId + seat token).</summary>
    Player = 2,
    /// <summary>An audience member: one connection, no persistence; may answer polls.</summary>
    Audience = 3,
}
