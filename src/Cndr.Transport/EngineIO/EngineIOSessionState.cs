namespace Cndr.Transport.EngineIO;

/// <summary>
/// The lifecycle of an <see cref="EngineIOSession"/>. Every change goes through one method
/// (<c>EngineIOSession.TransitionLocked</c>), which allows only these moves:
/// <code>
/// Opening ──► Polling ──► Probing ──► Upgrading ──► WebSocket
///    │           ▲           │            │             │
///    │           └───────────┴────────────┘ (probe      │
///    │                                        failed)   │
///    └──────────► WebSocket (a WebSocket handshake)     │
/// any of the above ──► Closing ──► Closed  ◄────────────┘ (and straight to Closed)
/// </code>
/// While <see cref="Closing"/> the session still delivers, in order, everything queued before the close, on
/// whichever transport the client ends up on: a pending or next GET (then the close packet), or a probe that
/// completes its upgrade (then a WebSocket close frame).
/// </summary>
internal enum EngineIOSessionState
{
    /// <summary>Created; the open packet is not queued yet.</summary>
    Opening,
    /// <summary>Long-polling.</summary>
    Polling,
    /// <summary>Long-polling, with a WebSocket attached as the upgrade probe (no <c>2probe</c> yet).</summary>
    Probing,
    /// <summary><c>3probe</c> was sent: the client pauses polling and will send <c>5</c> on the probe.</summary>
    Upgrading,
    /// <summary>On WebSocket (after an upgrade, or from the start).</summary>
    WebSocket,
    /// <summary>Closed by the server or the client; what was queued before is still being delivered.</summary>
    Closing,
    /// <summary>Nothing more is delivered; the session is out of the table.</summary>
    Closed,
}
