using Cndr.Core.Store;
using Cndr.Transport.SocketIO;

namespace Cndr.Core.Relay;

/// <summary>The relay's per-connection state, kept in <see cref="ISocketIOConnection.UserState"/>.</summary>
internal sealed class ClientSession(ISocketIOConnection connection)
{
    public readonly ISocketIOConnection Connection = connection;

    /// <summary>The relay's counters (error replies are counted by <see cref="Protocol.RelayJson.Fail"/>).</summary>
    public Diagnostics.RelayCounters? Counters;

    public SessionState State;

    public ClientRole Role;

    public RoomCode Code;

    /// <summary>The local room while joined and registered (null before <see cref="RelayHandler"/> registers it).</summary>
    public LocalRoom? Room;

    /// <summary>Player clientId, or the connection id for host and audience.</summary>
    public string ClientId = connection.Id;

    /// <summary><see cref="ClientId"/> as a JSON string literal (quotes included), encoded once at join.</summary>
    public byte[] ClientIdJson = [];

    /// <summary>
    /// Set when the store no longer names this connection (kicked by a newer seat/host connection, room closed,
    /// or left): its disconnect must not touch the store or notify anyone.
    /// </summary>
    public volatile bool Detached;

    /// <summary>True between the join's registration and the disconnect (for the connected-clients gauge).</summary>
    public bool Counted;

    /// <summary>A player's highest <c>playerStateRev</c> sent to it (its join's, then deliveries); under its room's <see cref="LocalRoom.StateGate"/>.</summary>
    public long PlayerRev;

    /// <summary>A successful connect-auth handshake waiting for <see cref="ISocketIOHandler.OnConnected"/>.</summary>
    public JoinOutcomeInfo? PendingJoin;

    // Fixed-window rate limit per client.
    private RateWindow _rate;

    /// <summary>Counts one attempt; returns 0 when allowed, else the milliseconds until the window resets.</summary>
    public long TryConsumeRate(long nowMs, int limit, int windowMs) => _rate.TryConsume(nowMs, limit, windowMs);
}
