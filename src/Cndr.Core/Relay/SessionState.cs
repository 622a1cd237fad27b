namespace Cndr.Core.Relay;

/// <summary>Lifecycle of one connection in the relay.</summary>
internal enum SessionState
{
    /// <summary>Connected, no handshake yet (subject to the handshake timeout).</summary>
    Pending,
    /// <summary>A handshake is being processed.</summary>
    Joining,
    /// <summary>Member of a room.</summary>
    Joined,
    /// <summary>Refused, left, kicked or disconnected: commands are no longer served.</summary>
    Closed,
}
