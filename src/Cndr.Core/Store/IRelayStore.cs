namespace Cndr.Core.Store;

/// <summary>
/// Everything the relay keeps beyond one node: rooms, seats, state, polls and the to-host queue.
/// Implemented by the embedded in-process store (single node) and by the Redis store (many nodes);
/// both pass <c>StoreContractTests</c>.
/// </summary>
/// <remarks>
/// <para><b>Rules for implementations.</b></para>
/// <list type="bullet">
/// <item>Every method is one round trip where the description says "atomic" (a Lua script / MULTI in Redis):
/// concurrent callers on any node never observe or produce a half-done step.</item>
/// <item>Expected outcomes are result values. Only an unreachable/timed-out store throws, and then
/// <see cref="StoreUnavailableException"/>.</item>
/// <item>Opaque JSON (game state, player state, meta, queue entries, poll answers) is bytes: inputs are
/// <see cref="ReadOnlyMemory{T}"/> valid only for the duration of the call (copy what you keep);
/// outputs are owned by the caller (never reused by the store).</item>
/// <item>Times are Unix milliseconds passed in by the caller (<c>nowMs</c>): the store never reads a clock.</item>
/// <item>Any write to an existing room updates <c>lastActivity</c> in <c>room:state</c>; no write may
/// re-create keys of a room whose <c>room:config</c> is gone (check existence in the same atomic step).</item>
/// </list>
/// <para><b>Key schema</b> (docs/ARCHITECTURE.md §5 has every field):</para>
/// <code>
/// room:config:&lt;code&gt;                   hash  password hostKey maxPlayers maxAudience createdAt
/// room:state:&lt;code&gt;                    hash  hostNodeId hostClientId lastActivity gameStateRev playerCount audienceCount toHostSeq
/// room:clients:&lt;code&gt;                  zset  clientId (players), connection id (host, audience) → joinedAt ms
/// room:client:&lt;code&gt;:&lt;id&gt;              hash  role meta connectedNodeId socketId joinedAt [seatTokenHash playerStateRev] (players and audience)
/// room:gamestate:&lt;code&gt;                 string
/// room:playerstate:&lt;code&gt;:&lt;clientId&gt;     string
/// room:polls:&lt;code&gt;                    zset  pollId → startedAt (index of the room's polls)
/// room:poll:config:&lt;code&gt;:&lt;pollId&gt;      hash  type question options active startedAt endedAt
/// room:poll:responses:&lt;code&gt;:&lt;pollId&gt;   hash  clientId → answer
/// room:queue:tohost:&lt;code&gt;              list  LPUSH new entries, RPOP oldest
/// room:closed:&lt;code&gt;                   string  set by a delete, or by the one node that claims the room's loss (expires)
/// </code>
/// </remarks>
public interface IRelayStore
{
    // ---- Rooms (admin API, cleanup) ----

    /// <summary>
    /// Creates the room if no room with that code exists (NX): writes <c>room:config</c> only. <c>room:state</c>
    /// appears when the room is activated (its first join or write), so a room that was created but never used
    /// is not subject to inactivity cleanup. Atomic.
    /// </summary>
    ValueTask<CreateRoomOutcome> CreateRoomAsync(RoomCode code, RoomConfig config, long nowMs);

    /// <summary>The room's configuration including secrets (for the relay's constant-time checks), or null when the room does not exist.</summary>
    ValueTask<RoomConfig?> GetRoomConfigAsync(RoomCode code);

    /// <summary>Public information about a room (no secrets), or null when it does not exist.</summary>
    ValueTask<RoomInfo?> GetRoomInfoAsync(RoomCode code);

    /// <summary>Deletes every key of the room (config, state, clients, client hashes, game/player state, polls, queue). Returns false when the room did not exist.</summary>
    ValueTask<bool> DeleteRoomAsync(RoomCode code);

    /// <summary>
    /// <c>close_room</c>: deletes every key of the room like <see cref="DeleteRoomAsync"/>, only while
    /// <paramref name="hostConnectionId"/> is the room's host connection (checked in the same atomic step).
    /// <see cref="ConnectionEndOutcome.NotCurrent"/> when another connection replaced it, <see cref="ConnectionEndOutcome.NotFound"/>
    /// when the room is gone.
    /// </summary>
    ValueTask<ConnectionEndOutcome> DeleteRoomAsHostAsync(RoomCode code, string hostConnectionId);

    /// <summary>
    /// Every activated room (one with <c>room:state</c> and its <c>lastActivity</c>) with its last activity, for
    /// inactivity cleanup. Rooms that were created but never activated are not listed.
    /// </summary>
    ValueTask<IReadOnlyList<RoomActivity>> ListRoomsAsync();

    // ---- Cluster (dead nodes, lost data) ----

    /// <summary>
    /// Dead-node cleanup: in every room, releases the host when <c>hostNodeId</c> is <paramref name="nodeId"/>, marks the
    /// seats of players connected through it disconnected (seats kept for reclaim) and removes its audience members
    /// (counts follow). Atomic per room; a claim another node took meanwhile is left alone. Not activity: <c>lastActivity</c>
    /// stays. Returns only the rooms where something was released.
    /// </summary>
    ValueTask<IReadOnlyList<NodeRelease>> ReleaseNodeAsync(string nodeId, long nowMs);

    /// <summary>For each code, whether the room still exists (its <c>room:config</c>), in order. One round trip.</summary>
    ValueTask<bool[]> RoomsExistAsync(IReadOnlyList<RoomCode> codes);

    /// <summary>
    /// A node found the room gone from the store while it serves it: <see cref="RoomLossClaim.Claimed"/> for exactly
    /// one caller in the fleet, so the <c>room_closed {reason:"lost"}</c> webhook is sent once;
    /// <see cref="RoomLossClaim.ClaimedBefore"/> for the others; <see cref="RoomLossClaim.Closed"/> when the room was
    /// deleted through the store (<see cref="DeleteRoomAsync"/>, <see cref="DeleteRoomAsHostAsync"/>) recently: a close
    /// by the host, an operator or inactivity is not a loss. Atomic. The claim and the mark left by a delete last
    /// <see cref="RoomClosedMarkMs"/> (Redis) or the last 1024 closes (embedded).
    /// </summary>
    ValueTask<RoomLossClaim> TryClaimRoomLostAsync(RoomCode code);

    /// <summary>How long a delete's mark and a loss claim (<c>room:closed:&lt;code&gt;</c>) live in Redis.</summary>
    public const int RoomClosedMarkMs = 60_000;

    // ---- Operator queries (admin API, monitor; not on the hot path) ----

    /// <summary>
    /// The room's members: the connected host (if any), every held player seat and every audience member, in join
    /// order. Null when the room does not exist.
    /// </summary>
    ValueTask<IReadOnlyList<MemberInfo>?> ListMembersAsync(RoomCode code);

    /// <summary>Every poll of the room (active and ended), in start order. Empty when there is none or the room does not exist.</summary>
    ValueTask<IReadOnlyList<PollDefinition>> ListPollsAsync(RoomCode code);

    /// <summary>The room's game state and <c>gameStateRev</c>, or null when the room does not exist.</summary>
    ValueTask<GameStateSnapshot?> GetGameStateAsync(RoomCode code);

    /// <summary>
    /// The room's game state and the private states of <paramref name="playerIds"/>, each with its rev, in one atomic
    /// step (the resync after a bus gap). Null when the room does not exist.
    /// </summary>
    ValueTask<RoomStates?> GetRoomStatesAsync(RoomCode code, IReadOnlyList<string> playerIds);

    // ---- Membership ----

    /// <summary>
    /// Makes <paramref name="connectionId"/> the room's host (atomic): sets <c>hostClientId</c>/<c>hostNodeId</c>,
    /// adds the connection to <c>room:clients</c> (removing the previous host's entry) and returns the previous
    /// host connection, if any, together with the snapshot the host's handshake response needs (game state, every held
    /// seat, at most <paramref name="audienceLimit"/> audience members in join order, the counts and the cursor of the
    /// rest). The host key has already been checked by the caller.
    /// </summary>
    ValueTask<HostClaimResult> ClaimHostAsync(RoomCode code, string connectionId, string nodeId, long nowMs, int audienceLimit = int.MaxValue);

    /// <summary>
    /// One page of the room's members in join order (<see cref="ClientCursor"/>), the host excluded: those of
    /// <paramref name="role"/> (null = players and audience) after <paramref name="cursor"/> (null = from the start). A page
    /// ends after <paramref name="limit"/> members, once their <c>meta</c> reaches <paramref name="maxBytes"/> (at least one
    /// member), or after a bounded number of members examined (a page may then be short, even empty, with a next cursor).
    /// When <paramref name="hostConnectionId"/> is given it must still be the room's host (read with the page), else
    /// <see cref="ClientPageOutcome.NotHost"/>. Read-only (Redis: a few pipelined reads per batch of members).
    /// </summary>
    ValueTask<ClientPageResult> ListClientsAsync(RoomCode code, ClientRole? role, string? cursor, int limit, int maxBytes, string? hostConnectionId = null);

    /// <summary>
    /// Clears the host fields only if the room's host is still <paramref name="connectionId"/> (atomic compare-and-clear);
    /// <see cref="ConnectionEndOutcome.NotCurrent"/> when another connection has replaced it.
    /// </summary>
    ValueTask<ConnectionEndOutcome> ReleaseHostAsync(RoomCode code, string connectionId, long nowMs);

    /// <summary>
    /// Creates a new player seat if the room exists and <c>playerCount &lt; maxPlayers</c> (0 = unlimited),
    /// as one atomic step (capacity check + counter increment + seat write): 50 racing joins for 10 seats give exactly 10 seats.
    /// The password has already been checked by the caller.
    /// </summary>
    ValueTask<SeatJoinResult> JoinPlayerAsync(RoomCode code, NewSeat seat);

    /// <summary>
    /// Gives a held seat to a new connection (atomic): <see cref="JoinOutcome.SeatNotFound"/> when no such seat is held,
    /// <see cref="JoinOutcome.InvalidSeatToken"/> when the stored <c>seatTokenHash</c> differs from the presented one
    /// (or none was presented). On success sets <c>socketId</c>/<c>connectedNodeId</c>, replaces <c>meta</c> when a new one
    /// is given, keeps <c>joinedAt</c> and returns the previous connection (if it was still connected) plus the seat's
    /// player state and the game state. Never subject to capacity.
    /// </summary>
    ValueTask<SeatJoinResult> ReclaimSeatAsync(RoomCode code, SeatReclaim reclaim);

    /// <summary>
    /// Marks the seat disconnected (clears <c>socketId</c>/<c>connectedNodeId</c>; the seat stays held) only if its
    /// <c>socketId</c> is still <paramref name="connectionId"/> (atomic compare-and-set).
    /// </summary>
    ValueTask<ConnectionEndOutcome> DisconnectPlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs);

    /// <summary>
    /// Frees the seat (deletes its client hash and player state, removes it from <c>room:clients</c>, decrements
    /// <c>playerCount</c>) only if its <c>socketId</c> is still <paramref name="connectionId"/>. Atomic.
    /// </summary>
    ValueTask<ConnectionEndOutcome> LeavePlayerAsync(RoomCode code, string clientId, string connectionId, long nowMs);

    /// <summary>
    /// Adds an audience member if the room exists and <c>audienceCount &lt; maxAudience</c> (0 = unlimited), atomically,
    /// and returns the game state and the active polls.
    /// </summary>
    ValueTask<AudienceJoinResult> JoinAudienceAsync(RoomCode code, AudienceJoin join);

    /// <summary>Removes an audience member (client hash, <c>room:clients</c> entry, <c>audienceCount</c>). Its poll answers stay. Atomic.</summary>
    ValueTask<ConnectionEndOutcome> RemoveAudienceAsync(RoomCode code, string connectionId, long nowMs);

    // ---- State (hot path) ----

    /// <summary>
    /// Stores the game state, increments <c>gameStateRev</c> by exactly 1 and sets <c>lastActivity</c>, as one atomic
    /// step; returns the new revision. <see cref="StateWriteOutcome.RoomNotFound"/> when the room is gone.
    /// <para>When <paramref name="hostConnectionId"/> is given, the step first checks (in the same atomic step) that it is still the
    /// room's host connection (<c>hostClientId</c>) and otherwise writes nothing and returns <c>NotHost</c>: a host replaced on
    /// another node cannot write even when its kick was lost. The relay always passes it; null (admin, tools) skips the check.</para>
    /// <para>A store that knows its node's bus (Redis, standalone schema) also publishes the state to the other nodes in the
    /// same atomic step when one can receive it: when the room's channel has a subscriber besides this node's own live
    /// subscription (<paramref name="subscribedHere"/>, <see cref="IRoomBus.HearsItself"/>), and says so with
    /// <see cref="StateWriteResult.Published"/>. The publication is the bus envelope of the <c>game_state</c> packet the relay
    /// sends to its local recipients (<see cref="GameStatePacket"/>). Other stores ignore the flag.</para>
    /// </summary>
    ValueTask<StateWriteResult> SetGameStateAsync(RoomCode code, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null, bool subscribedHere = false);

    /// <summary>
    /// Stores a held seat's player state, increments its <c>playerStateRev</c> by exactly 1 and sets <c>lastActivity</c>
    /// (atomic); returns the new revision and the seat's current connection id (null while disconnected).
    /// <see cref="StateWriteOutcome.PlayerNotFound"/> when no such seat is held.
    /// <para>When <paramref name="hostConnectionId"/> is given, the step first checks (in the same atomic step) that it is still the
    /// room's host connection (<c>hostClientId</c>) and otherwise writes nothing and returns <c>NotHost</c>: a host replaced on
    /// another node cannot write even when its kick was lost. The relay always passes it; null (admin, tools) skips the check.</para>
    /// </summary>
    ValueTask<StateWriteResult> SetPlayerStateAsync(RoomCode code, string clientId, ReadOnlyMemory<byte> state, long nowMs, string? hostConnectionId = null);

    /// <summary>
    /// Best-effort <c>lastActivity = nowMs</c> for an existing room without waiting for the result (Redis: fire-and-forget).
    /// Must not throw; must not create the key for a room that does not exist. The relay throttles calls per room.
    /// </summary>
    void TouchActivity(RoomCode code, long nowMs);

    // ---- To-host queue (message_to_host while the host is away or on another node) ----

    /// <summary>
    /// Appends one entry <c>{clientId, role, message, timestamp}</c> to the room's to-host queue unless it already
    /// holds <paramref name="maxLength"/> entries (atomic: LLEN check + LPUSH), and sets <c>lastActivity</c>.
    /// </summary>
    ValueTask<EnqueueOutcome> EnqueueToHostAsync(RoomCode code, ReadOnlyMemory<byte> entry, int maxLength, long nowMs);

    /// <summary>
    /// Returns up to <paramref name="maxCount"/> of the oldest entries, oldest first, without removing them: the
    /// longest run whose total size is at most <paramref name="maxBytes"/>, but always the oldest entry when the
    /// queue is not empty. Empty when none. One round trip.
    /// </summary>
    ValueTask<IReadOnlyList<ReadOnlyMemory<byte>>> PeekToHostAsync(RoomCode code, int maxCount, int maxBytes);

    /// <summary>
    /// Removes the <paramref name="count"/> oldest entries once they were written to the host's connection, but only
    /// while <paramref name="hostConnectionId"/> is still the room's host (a replaced host's drain removes nothing,
    /// so its entries stay for the new host). Returns the number removed. One round trip (atomic).
    /// </summary>
    ValueTask<int> AckToHostAsync(RoomCode code, string hostConnectionId, int count);

    /// <summary>
    /// One drain step in one round trip: <see cref="AckToHostAsync"/> of <paramref name="ackCount"/> entries (those the
    /// previous step wrote to the host's connection; 0: none), then, unless the acknowledgement was refused because
    /// <paramref name="hostConnectionId"/> is no longer the room's host, <see cref="PeekToHostAsync"/>.
    /// </summary>
    ValueTask<ToHostBatch> AckAndPeekToHostAsync(RoomCode code, string hostConnectionId, int ackCount, int maxCount, int maxBytes);

    /// <summary>
    /// The last acknowledgement of a drain that read the queue down to what it wrote, without waiting for it (stores with
    /// <see cref="EnqueueNotifies"/>): <see cref="AckToHostAsync"/>, then, if entries remain (pushed after that read:
    /// their enqueue found the queue non-empty and notified nobody), the same notification as an enqueue into an empty
    /// queue, so the host's node drains again. Best effort; must not throw (an acknowledgement lost leaves the entries
    /// queued: delivered again, never lost). With <paramref name="upToSeq"/> (the sequence number of the last entry written,
    /// <see cref="ToHostBatch.FirstSeq"/>; 0: unknown), it removes just the entries numbered up to it that are still queued,
    /// instead of <paramref name="count"/> oldest: an acknowledgement that arrives twice or late removes nothing unwritten.
    /// </summary>
    void AckToHostInBackground(RoomCode code, string hostConnectionId, int count, long upToSeq = 0);

    /// <summary>
    /// True when <see cref="EnqueueToHostAsync"/> itself tells the other nodes, in the same atomic step, that the room's
    /// queue was empty and now holds an entry (the bus's <see cref="RoomBusKind.ToHostQueued"/>: the host's node then
    /// drains until it reads the queue empty); false when the caller publishes that after each enqueue.
    /// </summary>
    bool EnqueueNotifies { get; }

    // ---- Polls ----

    /// <summary>
    /// Creates an active poll unless one with that id exists in the room (atomic: HSETNX-like), and indexes it in <c>room:polls</c>.
    /// <para>When <paramref name="hostConnectionId"/> is given, the step first checks (in the same atomic step) that it is still the
    /// room's host connection (<c>hostClientId</c>) and otherwise writes nothing and returns <c>NotHost</c>: a host replaced on
    /// another node cannot write even when its kick was lost. The relay always passes it; null (admin, tools) skips the check.</para>
    /// </summary>
    ValueTask<PollStartOutcome> StartPollAsync(RoomCode code, PollDefinition poll, long nowMs, string? hostConnectionId = null);

    /// <summary>
    /// Ends an active poll (<c>active = false</c>, <c>endedAt</c>); <see cref="PollOutcome.PollNotActive"/> when already ended. Atomic.
    /// <para>When <paramref name="hostConnectionId"/> is given, the step first checks (in the same atomic step) that it is still the
    /// room's host connection (<c>hostClientId</c>) and otherwise writes nothing and returns <c>NotHost</c>: a host replaced on
    /// another node cannot write even when its kick was lost. The relay always passes it; null (admin, tools) skips the check.</para>
    /// </summary>
    ValueTask<PollOutcome> EndPollAsync(RoomCode code, string pollId, long nowMs, string? hostConnectionId = null);

    /// <summary>A poll's definition and status, or null when the poll (or room) does not exist.</summary>
    ValueTask<PollDefinition?> GetPollAsync(RoomCode code, string pollId);

    /// <summary>
    /// Records (overwrites) <paramref name="clientId"/>'s answer only while the poll is active (atomic check + HSET),
    /// and sets <c>lastActivity</c>. The answer is stored exactly as given (already validated and normalised by the relay).
    /// </summary>
    ValueTask<PollOutcome> RecordPollResponseAsync(RoomCode code, string pollId, string clientId, ReadOnlyMemory<byte> response, long nowMs);

    /// <summary>The poll and every stored answer (active or ended), or null when the poll does not exist.</summary>
    ValueTask<PollSnapshot?> GetPollResponsesAsync(RoomCode code, string pollId);

    /// <summary>The room's active polls in start order (empty when none or no room): a new host node resumes their timers.</summary>
    ValueTask<IReadOnlyList<PollDefinition>> GetActivePollsAsync(RoomCode code);
}
