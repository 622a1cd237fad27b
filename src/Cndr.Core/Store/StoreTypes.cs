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

/// <summary>
/// Configuration of a room as written by its creator (<c>room:config:&lt;code&gt;</c>). Immutable for the
/// life of the room. Contains secrets: never log it or put it on the wire.
/// </summary>
/// <param name="HostKey">Secret that authenticates the host.</param>
/// <param name="Password">Player password; empty string when the room has none.</param>
/// <param name="MaxPlayers">Seat limit (0 = unlimited).</param>
/// <param name="MaxAudience">Audience limit (0 = unlimited).</param>
/// <param name="CreatedAt">Whatever the creator wrote (the admin API writes Unix seconds, PROTOCOL §8.4).</param>
public sealed record RoomConfig(string HostKey, string Password, int MaxPlayers, int MaxAudience, long CreatedAt)
{
    /// <summary>True when players must present a password.</summary>
    public bool HasPassword => Password.Length != 0;

    /// <summary>Never prints the secrets.</summary>
    public override string ToString() =>
        $"RoomConfig {{ HasPassword = {HasPassword}, MaxPlayers = {MaxPlayers}, MaxAudience = {MaxAudience}, CreatedAt = {CreatedAt} }}";
}

/// <summary>What the admin API may show about a room: no secrets.</summary>
public sealed record RoomInfo(
    RoomCode Code,
    bool HasPassword,
    int MaxPlayers,
    int MaxAudience,
    long CreatedAt,
    int PlayerCount,
    int AudienceCount,
    bool HostConnected,
    long LastActivityMs,
    long GameStateRev);

/// <summary>One room and its last activity (for inactivity cleanup).</summary>
public readonly record struct RoomActivity(RoomCode Code, long LastActivityMs);

/// <summary>Outcome of <see cref="IRelayStore.CreateRoomAsync"/>.</summary>
public enum CreateRoomOutcome : byte
{
    /// <summary>The room did not exist and has been created.</summary>
    Created,
    /// <summary>A room with that code exists (nothing was changed).</summary>
    AlreadyExists,
}

/// <summary>Outcome of a join or seat reclaim.</summary>
public enum JoinOutcome : byte
{
    /// <summary>The connection now holds the host role / seat / audience place.</summary>
    Joined,
    /// <summary>The room does not exist (any more).</summary>
    RoomNotFound,
    /// <summary>The role's capacity is reached (never for a reclaim or the host).</summary>
    RoomFull,
    /// <summary>Reclaim only: no seat with that clientId is held in the room.</summary>
    SeatNotFound,
    /// <summary>Reclaim only: the seat exists but the seat token hash does not match (or none was given).</summary>
    InvalidSeatToken,
}

/// <summary>Outcome of ending one connection's membership (host release, player disconnect/leave, audience removal).</summary>
public enum ConnectionEndOutcome : byte
{
    /// <summary>The record belonged to this connection and has been updated/removed.</summary>
    Done,
    /// <summary>The record exists but belongs to a newer connection (seat taken over / host replaced): nothing changed.</summary>
    NotCurrent,
    /// <summary>No such record (room closed, seat freed, already removed).</summary>
    NotFound,
}

/// <summary>Outcome of a state write.</summary>
public enum StateWriteOutcome : byte
{
    /// <summary>Stored; <see cref="StateWriteResult.Rev"/> is the new revision.</summary>
    Written,
    /// <summary>The room does not exist: nothing was written.</summary>
    RoomNotFound,
    /// <summary>Player state only: no seat with that clientId.</summary>
    PlayerNotFound,
}

/// <summary>Result of <see cref="IRelayStore.SetGameStateAsync"/> / <see cref="IRelayStore.SetPlayerStateAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Rev">The revision now stored (exactly previous + 1) when written.</param>
/// <param name="PlayerConnectionId">Player state only: the seat's current connection id, or null while the player is disconnected.</param>
public readonly record struct StateWriteResult(StateWriteOutcome Outcome, long Rev, string? PlayerConnectionId = null);

/// <summary>Outcome of <see cref="IRelayStore.EnqueueToHostAsync"/>.</summary>
public enum EnqueueOutcome : byte
{
    /// <summary>Appended to the tail of the room's to-host queue.</summary>
    Queued,
    /// <summary>The queue already holds the maximum number of entries: nothing appended.</summary>
    QueueFull,
    /// <summary>The room does not exist.</summary>
    RoomNotFound,
}

/// <summary>Poll types (wire names <c>single_choice</c>, <c>multiple_choice</c>, <c>free_text</c>).</summary>
public enum PollType : byte
{
    SingleChoice = 1,
    MultipleChoice = 2,
    FreeText = 3,
}

/// <summary>A poll's definition and status (<c>room:poll:config:&lt;code&gt;:&lt;pollId&gt;</c>).</summary>
/// <param name="PollId">1–64 characters <c>[A-Za-z0-9_-]</c>.</param>
/// <param name="Type">The poll type.</param>
/// <param name="Question">The question text.</param>
/// <param name="Options">Option labels (empty for free_text); answers refer to them as <c>option_&lt;index&gt;</c>.</param>
/// <param name="Active">True until the poll is ended (ignored on input: a started poll is active).</param>
/// <param name="StartedAtMs">Start time (Unix ms).</param>
public sealed record PollDefinition(string PollId, PollType Type, string Question, IReadOnlyList<string> Options, bool Active, long StartedAtMs);

/// <summary>Outcome of <see cref="IRelayStore.StartPollAsync"/>.</summary>
public enum PollStartOutcome : byte
{
    Started,
    PollExists,
    RoomNotFound,
}

/// <summary>Outcome of <see cref="IRelayStore.EndPollAsync"/> and <see cref="IRelayStore.RecordPollResponseAsync"/>.</summary>
public enum PollOutcome : byte
{
    /// <summary>Ended / recorded.</summary>
    Ok,
    /// <summary>No such poll (or no such room).</summary>
    PollNotFound,
    /// <summary>The poll has ended: nothing changed.</summary>
    PollNotActive,
}

/// <summary>A poll and every stored answer (one per respondent, last answer wins), for aggregation by the relay.</summary>
/// <param name="Poll">The definition and status.</param>
/// <param name="Responses">The stored answers as the relay wrote them (owned by the caller).</param>
public sealed record PollSnapshot(PollDefinition Poll, IReadOnlyList<ReadOnlyMemory<byte>> Responses);

/// <summary>One member of a room as the host sees it in its handshake response.</summary>
/// <param name="ClientId">Player clientId, or the audience member's connection id.</param>
/// <param name="Role">Player or audience.</param>
/// <param name="Meta">The member's meta JSON object (bytes, owned by the caller).</param>
/// <param name="Connected">False for a player whose seat is held while disconnected.</param>
/// <param name="JoinedAtMs">First join time (Unix ms); a reclaim keeps it.</param>
public sealed record ClientInfo(string ClientId, ClientRole Role, ReadOnlyMemory<byte> Meta, bool Connected, long JoinedAtMs);

/// <summary>Result of <see cref="IRelayStore.ClaimHostAsync"/>.</summary>
public sealed class HostClaimResult
{
    public JoinOutcome Outcome { get; init; }

    /// <summary>The connection that held the host role until this claim (to be kicked with HOST_REPLACED), or null.</summary>
    public string? PreviousConnectionId { get; init; }

    /// <summary>The node of <see cref="PreviousConnectionId"/>.</summary>
    public string? PreviousNodeId { get; init; }

    /// <summary>Current game state (empty when never set).</summary>
    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    /// <summary>Held seats (connected or not) and audience members, oldest join first.</summary>
    public IReadOnlyList<ClientInfo> Clients { get; init; } = [];
}

/// <summary>What a new player seat is created with (<see cref="IRelayStore.JoinPlayerAsync"/>).</summary>
/// <param name="ClientId">The new seat's clientId (UUID v4, generated by the relay).</param>
/// <param name="SeatTokenHash">SHA-256 of the seat token (32 bytes); the token itself is never stored.</param>
/// <param name="ConnectionId">The connection taking the seat.</param>
/// <param name="NodeId">The node of that connection.</param>
/// <param name="Meta">The meta object JSON (<c>{}</c> when absent).</param>
/// <param name="NowMs">Join time (Unix ms).</param>
public readonly record struct NewSeat(string ClientId, ReadOnlyMemory<byte> SeatTokenHash, string ConnectionId, string NodeId, ReadOnlyMemory<byte> Meta, long NowMs);

/// <summary>A reclaim of a held seat (<see cref="IRelayStore.ReclaimSeatAsync"/>).</summary>
/// <param name="ClientId">The seat's clientId.</param>
/// <param name="SeatTokenHash">SHA-256 of the presented token (32 bytes), or empty when none was presented (→ InvalidSeatToken).</param>
/// <param name="ConnectionId">The connection taking the seat over.</param>
/// <param name="NodeId">The node of that connection.</param>
/// <param name="Meta">New meta JSON, or empty to keep the stored one (PROTOCOL §8.14).</param>
/// <param name="NowMs">Now (Unix ms).</param>
public readonly record struct SeatReclaim(string ClientId, ReadOnlyMemory<byte> SeatTokenHash, string ConnectionId, string NodeId, ReadOnlyMemory<byte> Meta, long NowMs);

/// <summary>Result of <see cref="IRelayStore.JoinPlayerAsync"/> and <see cref="IRelayStore.ReclaimSeatAsync"/>.</summary>
public sealed class SeatJoinResult
{
    public JoinOutcome Outcome { get; init; }

    /// <summary>First join time of the seat (Unix ms).</summary>
    public long JoinedAtMs { get; init; }

    /// <summary>The seat's meta after this join (the new one, or the kept one on a reclaim without meta).</summary>
    public ReadOnlyMemory<byte> Meta { get; init; }

    /// <summary>Reclaim only: the connection that held the seat until now (to be kicked with SEAT_TAKEN_OVER), or null when the seat was disconnected.</summary>
    public string? PreviousConnectionId { get; init; }

    /// <summary>The node of <see cref="PreviousConnectionId"/>.</summary>
    public string? PreviousNodeId { get; init; }

    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    /// <summary>The seat's player state (empty when never set; always empty for a new seat).</summary>
    public ReadOnlyMemory<byte> PlayerState { get; init; }

    public long PlayerStateRev { get; init; }

    /// <summary>True when a host connection is recorded for the room.</summary>
    public bool HostConnected { get; init; }
}

/// <summary>An audience join (<see cref="IRelayStore.JoinAudienceAsync"/>).</summary>
/// <param name="ConnectionId">The connection (also the member's clientId).</param>
/// <param name="NodeId">The node of that connection.</param>
/// <param name="Meta">The meta object JSON (<c>{}</c> when absent).</param>
/// <param name="NowMs">Join time (Unix ms).</param>
public readonly record struct AudienceJoin(string ConnectionId, string NodeId, ReadOnlyMemory<byte> Meta, long NowMs);

/// <summary>Result of <see cref="IRelayStore.JoinAudienceAsync"/>.</summary>
public sealed class AudienceJoinResult
{
    public JoinOutcome Outcome { get; init; }

    public long JoinedAtMs { get; init; }

    public ReadOnlyMemory<byte> GameState { get; init; }

    public long GameStateRev { get; init; }

    public bool HostConnected { get; init; }

    /// <summary>Polls that are active now, in start order.</summary>
    public IReadOnlyList<PollDefinition> ActivePolls { get; init; } = [];
}

/// <summary>
/// The store could not be reached or did not answer in time. The relay maps it to <c>UNAVAILABLE</c>.
/// Never thrown for expected outcomes (those are result values).
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
        : base("The store is unavailable.")
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
