using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>What a successful handshake produced, until the session is registered in its local room.</summary>
internal sealed class JoinOutcomeInfo
{
    public required byte[] Response { get; init; }

    /// <summary>The local room, referenced (and subscribed to) before the store claim read the room; given back by the unwind.</summary>
    public required LocalRoom Room { get; init; }

    /// <summary>The <c>gameStateRev</c> the join read (sent in the handshake response).</summary>
    public long GameStateRev { get; init; }

    /// <summary>A player's <c>playerStateRev</c> the join read.</summary>
    public long PlayerStateRev { get; init; }

    /// <summary><see cref="LocalRoom.PlayerStatesSeen"/> before the claim (a change means the player may have missed its state).</summary>
    public int PlayerStatesSeen { get; init; }

    /// <summary>A player join that created a new seat (undone by freeing the seat; a reclaim only disconnects it).</summary>
    public bool NewSeat { get; init; }

    /// <summary>Connection to kick (previous host / previous connection of the seat), or null.</summary>
    public string? KickConnectionId { get; init; }

    public ReadOnlyMemory<byte> Meta { get; init; }

    public bool Reconnected { get; init; }

    /// <summary>
    /// A player or audience join: whether the room had a host when the join was written (read by the store in the same
    /// atomic step).
    /// </summary>
    public bool HostConnected { get; init; } = true;

    public long JoinedAtMs { get; init; }

    public IReadOnlyList<PollDefinition> Polls { get; init; } = [];
}
