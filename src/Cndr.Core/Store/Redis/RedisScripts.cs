using System.Security.Cryptography;
using System.Text;

namespace Cndr.Core.Store.Redis;

/// <summary>One Lua script: its text and the SHA-1 the store sends with EVALSHA.</summary>
internal sealed class RedisScript
{
    public RedisScript(string name, string text)
    {
        Name = name;
        Text = text;
#pragma warning disable CA5350 // SHA-1 is what Redis names scripts by (EVALSHA); not a security use.
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    public string Name { get; }

    public string Text { get; }

    /// <summary>Raw 20-byte SHA-1 of <see cref="Text"/>.</summary>
    public byte[] Hash { get; }

    public override string ToString() => Name;
}

/// <summary>
/// The store's atomic steps. Every script declares every key it touches (KEYS), so all of them run on a Redis Cluster, where
/// a room's keys share one slot (the cluster schema's hash tag). Every script first checks that <c>room:config</c> exists (a deleted room is never
/// re-created), treats a missing <c>room:state</c> as a fresh room (counters 0, no host) and writes <c>lastActivity</c>.
/// Integer outcomes are the numeric values of the C# enums (<see cref="JoinOutcome"/>, <see cref="ConnectionEndOutcome"/>,
/// <see cref="StateWriteOutcome"/>, <see cref="EnqueueOutcome"/>, <see cref="PollStartOutcome"/>, <see cref="PollOutcome"/>).
/// A script returns <c>-1</c> for "the member id already exists" (a caller bug: ids are fresh UUIDs / connection ids).
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS config state; ARGV password hostKey maxPlayers maxAudience createdAt now → 1 created, 0 exists.</summary>
    public static readonly RedisScript CreateRoom = new(nameof(CreateRoom), """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'password', ARGV[1], 'hostKey', ARGV[2], 'maxPlayers', ARGV[3], 'maxAudience', ARGV[4], 'createdAt', ARGV[5])
        redis.call('DEL', KEYS[2])
        return 1
        """);

    /// <summary>KEYS closed; ARGV markMs → 0 claimed (now <c>lost</c>), 1 claimed before by another node, 2 deleted by a close (not lost).</summary>
    public static readonly RedisScript ClaimRoomLost = new(nameof(ClaimRoomLost), """
        local v = redis.call('GET', KEYS[1])
        if v == 'lost' then return 1 end
        if v then return 2 end
        redis.call('SET', KEYS[1], 'lost', 'PX', ARGV[1])
        return 0
        """);

    /// <summary>
    /// KEYS config state clients gamestate polls queue closed, then (client, playerstate) per member id, then (pollconfig,
    /// responses) per poll id; ARGV hostConn ('' = unchecked) closedMarkMs memberCount pollCount memberIds... pollIds...
    /// → 1 when the room existed (then <c>room:closed</c> is set for closedMarkMs: not a loss), 0 when it did not, -1 (nothing
    /// deleted) when hostConn is no longer the room's host, -2 (nothing deleted) when the ids given are no longer
    /// <c>ZRANGE room:clients</c> / <c>ZRANGE room:polls</c> (a member joined meanwhile: read them again and retry).
    /// Every key deleted is declared, so the script is legal in a cluster.
    /// </summary>
    public static readonly RedisScript DeleteRoom = new(nameof(DeleteRoom), """
        local existed = redis.call('EXISTS', KEYS[1])
        if existed == 1 and ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[1] then return -1 end
        local n = tonumber(ARGV[3])
        local m = tonumber(ARGV[4])
        local ids = redis.call('ZRANGE', KEYS[3], 0, -1)
        local polls = redis.call('ZRANGE', KEYS[5], 0, -1)
        if #ids ~= n or #polls ~= m then return -2 end
        for i = 1, n do if ids[i] ~= ARGV[4 + i] then return -2 end end
        for i = 1, m do if polls[i] ~= ARGV[4 + n + i] then return -2 end end
        local batch = {KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]}
        for i = 8, #KEYS do
          batch[#batch + 1] = KEYS[i]
          if #batch >= 500 then
            redis.call('DEL', unpack(batch))
            batch = {}
          end
        end
        if #batch > 0 then redis.call('DEL', unpack(batch)) end
        if existed == 1 then redis.call('SET', KEYS[7], 'deleted', 'PX', ARGV[2]) end
        return existed
        """);

    /// <summary>
    /// KEYS config state clients gamestate; ARGV conn node now
    /// → {1} not found, or {0, prevConn, prevNode, gameState, gameStateRev, firstHost (1 = no host ever before), [id, joinedAt]...}
    /// (every other member; the caller reads their <c>room:client</c> hashes, which a script may not touch undeclared).
    /// </summary>
    public static readonly RedisScript ClaimHost = new(nameof(ClaimHost), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
        local prev = redis.call('HMGET', KEYS[2], 'hostClientId', 'hostNodeId', 'gameStateRev')
        local prevConn = prev[1] or ''
        if prevConn ~= '' and prevConn ~= ARGV[1] then redis.call('ZREM', KEYS[3], prevConn) end
        redis.call('HSET', KEYS[2], 'hostClientId', ARGV[1], 'hostNodeId', ARGV[2], 'lastActivity', ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        local first = 0
        if not prev[1] then first = 1 end
        local out = {0, prevConn, prev[2] or '', redis.call('GET', KEYS[4]) or '', prev[3] or '0', first}
        local members = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
        for i = 1, #members, 2 do
          if members[i] ~= ARGV[1] then
            out[#out + 1] = members[i]
            out[#out + 1] = members[i + 1]
          end
        end
        return out
        """);

    /// <summary>KEYS config state clients; ARGV conn now → ConnectionEndOutcome.</summary>
    public static readonly RedisScript ReleaseHost = new(nameof(ReleaseHost), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
        local h = redis.call('HGET', KEYS[2], 'hostClientId')
        if not h or h == '' then return 2 end
        if h ~= ARGV[1] then return 1 end
        redis.call('HSET', KEYS[2], 'hostClientId', '', 'hostNodeId', '', 'lastActivity', ARGV[2])
        redis.call('ZREM', KEYS[3], ARGV[1])
        return 0
        """);

    /// <summary>
    /// Capacity check + counter + seat write. KEYS config state clients client gamestate;
    /// ARGV clientId seatTokenHashHex conn node meta now → {outcome} or {0, gameState, gameStateRev, hostConnected}.
    /// </summary>
    public static readonly RedisScript JoinPlayer = new(nameof(JoinPlayer), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
        local max = tonumber(redis.call('HGET', KEYS[1], 'maxPlayers')) or 0
        local st = redis.call('HMGET', KEYS[2], 'playerCount', 'gameStateRev', 'hostClientId')
        if max > 0 and (tonumber(st[1]) or 0) >= max then return {2} end
        if redis.call('EXISTS', KEYS[4]) == 1 then return {-1} end
        redis.call('HSET', KEYS[4], 'role', 'player', 'meta', ARGV[5], 'connectedNodeId', ARGV[4], 'socketId', ARGV[3], 'joinedAt', ARGV[6], 'seatTokenHash', ARGV[2], 'playerStateRev', 0)
        redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
        redis.call('HINCRBY', KEYS[2], 'playerCount', 1)
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[6])
        local host = 0
        if st[3] and st[3] ~= '' then host = 1 end
        return {0, redis.call('GET', KEYS[5]) or '', st[2] or '0', host}
        """);

    /// <summary>
    /// KEYS config state client gamestate playerstate; ARGV seatTokenHashHex conn node meta('' = keep) now
    /// → {outcome} or {0, joinedAt, meta, prevConn, prevNode, gameState, gameStateRev, playerState, playerStateRev, hostConnected}.
    /// The token hashes are compared in constant time.
    /// </summary>
    public static readonly RedisScript ReclaimSeat = new(nameof(ReclaimSeat), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
        local c = redis.call('HMGET', KEYS[3], 'role', 'seatTokenHash', 'socketId', 'connectedNodeId', 'meta', 'joinedAt', 'playerStateRev')
        if c[1] ~= 'player' then return {3} end
        local stored = c[2] or ''
        local given = ARGV[1]
        if given == '' or stored == '' or #stored ~= #given then return {4} end
        local d = 0
        for i = 1, #given do d = bit.bor(d, bit.bxor(string.byte(given, i), string.byte(stored, i))) end
        if d ~= 0 then return {4} end
        local meta = c[5] or '{}'
        if ARGV[4] ~= '' then
          meta = ARGV[4]
          redis.call('HSET', KEYS[3], 'meta', meta)
        end
        redis.call('HSET', KEYS[3], 'socketId', ARGV[2], 'connectedNodeId', ARGV[3])
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[5])
        local st = redis.call('HMGET', KEYS[2], 'gameStateRev', 'hostClientId')
        local host = 0
        if st[2] and st[2] ~= '' then host = 1 end
        return {0, c[6] or '0', meta, c[3] or '', c[4] or '', redis.call('GET', KEYS[4]) or '', st[1] or '0', redis.call('GET', KEYS[5]) or '', c[7] or '0', host}
        """);

    /// <summary>
    /// Compare-and-set disconnect / leave. KEYS config state clients client playerstate; ARGV clientId conn now leave(1|0)
    /// → ConnectionEndOutcome.
    /// </summary>
    public static readonly RedisScript EndPlayer = new(nameof(EndPlayer), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
        local c = redis.call('HMGET', KEYS[4], 'role', 'socketId')
        if c[1] ~= 'player' then return 2 end
        if c[2] ~= ARGV[2] then return 1 end
        if ARGV[4] == '1' then
          redis.call('DEL', KEYS[4], KEYS[5])
          redis.call('ZREM', KEYS[3], ARGV[1])
          redis.call('HINCRBY', KEYS[2], 'playerCount', -1)
        else
          redis.call('HSET', KEYS[4], 'socketId', '', 'connectedNodeId', '')
        end
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[3])
        return 0
        """);

    /// <summary>
    /// KEYS config state clients client gamestate polls; ARGV conn node meta now
    /// → {outcome} or {0, gameState, gameStateRev, hostConnected, pollId...} (every poll in start order; the caller reads their
    /// <c>room:poll:config</c> hashes and keeps the active ones).
    /// </summary>
    public static readonly RedisScript JoinAudience = new(nameof(JoinAudience), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
        local max = tonumber(redis.call('HGET', KEYS[1], 'maxAudience')) or 0
        local st = redis.call('HMGET', KEYS[2], 'audienceCount', 'gameStateRev', 'hostClientId')
        if max > 0 and (tonumber(st[1]) or 0) >= max then return {2} end
        if redis.call('EXISTS', KEYS[4]) == 1 then return {-1} end
        redis.call('HSET', KEYS[4], 'role', 'audience', 'meta', ARGV[3], 'connectedNodeId', ARGV[2], 'socketId', ARGV[1], 'joinedAt', ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
        redis.call('HINCRBY', KEYS[2], 'audienceCount', 1)
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[4])
        local host = 0
        if st[3] and st[3] ~= '' then host = 1 end
        local out = {0, redis.call('GET', KEYS[5]) or '', st[2] or '0', host}
        local polls = redis.call('ZRANGE', KEYS[6], 0, -1)
        for i = 1, #polls do out[#out + 1] = polls[i] end
        return out
        """);

    /// <summary>KEYS config state clients client; ARGV conn now → ConnectionEndOutcome.</summary>
    public static readonly RedisScript RemoveAudience = new(nameof(RemoveAudience), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
        if redis.call('HGET', KEYS[4], 'role') ~= 'audience' then return 2 end
        redis.call('DEL', KEYS[4])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('HINCRBY', KEYS[2], 'audienceCount', -1)
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[2])
        return 0
        """);

    /// <summary>
    /// KEYS config state gamestate [updates]; ARGV state now hostConn ('' = unchecked) [own head revField close] → new
    /// gameStateRev, or with the channel {gameStateRev, subscribers of the channel now} (standalone schema: PUBSUB NUMSUB,
    /// atomic with the write, so the node can skip a publication only it would receive), or {gameStateRev, subscribers, 1}
    /// when the script published the state itself; -1 when the room is gone, -2 when hostConn is no longer the room's host.
    /// With the publication arguments it publishes when the channel has more subscribers than <c>own</c> (this node's own
    /// live subscription, 0 or 1): <c>head</c> is the bus envelope with the packet's opening (<see cref="RoomBusCodec"/>,
    /// rev 0), into which the rev goes at offset 3 (8 bytes, big-endian); then the state, <c>revField</c>, the rev's digits,
    /// <c>close</c>: the bytes the node would have published after the reply, one send and one wake-up of Redis fewer.
    /// </summary>
    public static readonly RedisScript SetGameState = new(nameof(SetGameState), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if ARGV[3] ~= '' and redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[3] then return -2 end
        redis.call('SET', KEYS[3], ARGV[1])
        local rev = redis.call('HINCRBY', KEYS[2], 'gameStateRev', 1)
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[2])
        if KEYS[4] then
          local subs = redis.call('PUBSUB', 'NUMSUB', KEYS[4])[2]
          if ARGV[4] and subs > tonumber(ARGV[4]) then
            local head = ARGV[5]
            redis.call('PUBLISH', KEYS[4], string.sub(head, 1, 3) .. struct.pack('>i8', rev) .. string.sub(head, 12)
              .. ARGV[1] .. ARGV[6] .. string.format('%d', rev) .. ARGV[7])
            return {rev, subs, 1}
          end
          return {rev, subs}
        end
        return rev
        """);

    /// <summary>KEYS config state client playerstate; ARGV state now hostConn ('' = unchecked) → {outcome} or {0, playerStateRev, socketId}.</summary>
    public static readonly RedisScript SetPlayerState = new(nameof(SetPlayerState), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
        if ARGV[3] ~= '' and redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[3] then return {3} end
        local c = redis.call('HMGET', KEYS[3], 'role', 'socketId')
        if c[1] ~= 'player' then return {2} end
        redis.call('SET', KEYS[4], ARGV[1])
        local rev = redis.call('HINCRBY', KEYS[3], 'playerStateRev', 1)
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[2])
        return {0, rev, c[2] or ''}
        """);

    /// <summary>KEYS config state; ARGV now. Moves lastActivity forward for an existing room only.</summary>
    public static readonly RedisScript Touch = new(nameof(Touch), """
        if redis.call('EXISTS', KEYS[1]) == 1 and (tonumber(redis.call('HGET', KEYS[2], 'lastActivity')) or 0) < tonumber(ARGV[1]) then
          redis.call('HSET', KEYS[2], 'lastActivity', ARGV[1])
        end
        return 0
        """);

    /// <summary>
    /// Bounded LPUSH. KEYS config state queue [updates]; ARGV entry maxLength now [notification publishCommand] → EnqueueOutcome.
    /// Every entry pushed gets the next sequence number of the room (state field <c>toHostSeq</c>: the number of entries ever
    /// pushed), so the oldest queued entry's number is <c>toHostSeq - LLEN + 1</c> (pushes at the head, removals at the tail).
    /// With the channel and the notification (the bus's ToHostQueued), the entry that makes the queue non-empty also publishes
    /// the notification (PUBLISH, or SPUBLISH in the cluster schema, where the channel hashes to the room's slot) carrying the
    /// entry itself and its number as the envelope's rev: enqueue and notify are one command, and the host's node can write it
    /// without reading the queue (ToHostDelivery). Entries pushed behind it need none: the host's node drains until it reads the
    /// queue empty, and a push after that read finds the queue empty and notifies again.
    /// </summary>
    public static readonly RedisScript Enqueue = new(nameof(Enqueue), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
        if redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[2]) then return 1 end
        local n = redis.call('LPUSH', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[3])
        local seq = redis.call('HINCRBY', KEYS[2], 'toHostSeq', 1)
        if n == 1 and KEYS[4] then
          local note = ARGV[4]
          redis.call(ARGV[5], KEYS[4], string.sub(note, 1, 3) .. struct.pack('>i8', seq) .. string.sub(note, 12) .. ARGV[1])
        end
        return 0
        """);

    // The oldest entries of KEYS[3] into `out` (appended), oldest first (entries are LPUSHed, so the tail is the oldest):
    // at most ARGV[count] entries and ARGV[bytes] bytes in total, but always the oldest one. Nothing is removed.
    private static string PeekInto(int count, int bytes) => $$"""
        local items = redis.call('LRANGE', KEYS[3], -tonumber(ARGV[{{count}}]), -1)
        local budget = tonumber(ARGV[{{bytes}}])
        local first = #out
        local total = 0
        for i = #items, 1, -1 do
          local len = string.len(items[i])
          if #out > first and total + len > budget then break end
          total = total + len
          out[#out + 1] = items[i]
        end
        """;

    /// <summary>
    /// KEYS config state queue; ARGV maxCount maxBytes → the oldest entries, oldest first (entries are LPUSHed, so the
    /// tail is the oldest), at most maxBytes in total but always the oldest one. Nothing is removed.
    /// </summary>
    public static readonly RedisScript PeekToHost = new(nameof(PeekToHost), "local out = {}\n" + PeekInto(1, 2) + "\nreturn out");

    /// <summary>
    /// KEYS config state queue; ARGV hostConnectionId count → removes the count oldest entries (written to the host)
    /// while that connection is still the room's host; returns the number removed.
    /// </summary>
    public static readonly RedisScript AckToHost = new(nameof(AckToHost), """
        if redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[1] then return 0 end
        local popped = redis.call('RPOP', KEYS[3], tonumber(ARGV[2]))
        if not popped then return 0 end
        return #popped
        """);

    /// <summary>
    /// One drain step. KEYS config state queue; ARGV hostConnectionId ackCount maxCount maxBytes → {removed, more, firstSeq,
    /// entries...}: AckToHost of ackCount entries (none when 0), then, unless that connection is no longer the room's host (then
    /// {0, 0}), PeekToHost; more is 1 when the queue holds entries beyond those returned; firstSeq is the sequence number of
    /// the first entry returned (Enqueue).
    /// </summary>
    public static readonly RedisScript AckAndPeekToHost = new(nameof(AckAndPeekToHost), """
        local ack = tonumber(ARGV[2])
        local out = {0, 0, 0}
        if ack > 0 then
          if redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[1] then return {0, 0} end
          local popped = redis.call('RPOP', KEYS[3], ack)
          if popped then out[1] = #popped end
        end

        """ + PeekInto(3, 4) + "\n" + """
        local len = redis.call('LLEN', KEYS[3])
        if len > #out - 3 then out[2] = 1 end
        out[3] = (tonumber(redis.call('HGET', KEYS[2], 'toHostSeq')) or 0) - len + 1
        return out
        """);

    /// <summary>
    /// The last acknowledgement of a drain, sent without waiting for it. KEYS config state queue updates; ARGV
    /// hostConnectionId count notification publishCommand upToSeq: removes the oldest entries numbered up to upToSeq (those
    /// written to the host; none that is already gone, so a repeated or late acknowledgement removes nothing else) while that
    /// connection is the room's host, then, when entries remain (pushed after the drain's last read: their enqueue found the
    /// queue non-empty and notified nobody), publishes the notification (as Enqueue, without an entry) so the host's node drains
    /// again. Without upToSeq (0): the count oldest entries.
    /// </summary>
    public static readonly RedisScript AckToHostNotify = new(nameof(AckToHostNotify), """
        if redis.call('HGET', KEYS[2], 'hostClientId') == ARGV[1] then
          local n = tonumber(ARGV[2])
          local upTo = tonumber(ARGV[5]) or 0
          if upTo > 0 then
            local len = redis.call('LLEN', KEYS[3])
            n = math.min(len, upTo - ((tonumber(redis.call('HGET', KEYS[2], 'toHostSeq')) or 0) - len + 1) + 1)
          end
          if n > 0 then redis.call('RPOP', KEYS[3], n) end
        end
        if redis.call('LLEN', KEYS[3]) > 0 then redis.call(ARGV[4], KEYS[4], ARGV[3]) end
        return 0
        """);

    /// <summary>KEYS config state polls pollconfig; ARGV pollId type question options now hostConn ('' = unchecked) endsAt live → PollStartOutcome.</summary>
    public static readonly RedisScript StartPoll = new(nameof(StartPoll), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
        if ARGV[6] ~= '' and redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[6] then return 3 end
        if redis.call('EXISTS', KEYS[4]) == 1 or redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 1 end
        redis.call('HSET', KEYS[4], 'type', ARGV[2], 'question', ARGV[3], 'options', ARGV[4], 'active', 'true', 'startedAt', ARGV[5], 'endedAt', '', 'endsAt', ARGV[7], 'live', ARGV[8])
        redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[5])
        return 0
        """);

    /// <summary>KEYS config state pollconfig; ARGV now hostConn ('' = unchecked) → PollOutcome.</summary>
    public static readonly RedisScript EndPoll = new(nameof(EndPoll), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
        if ARGV[2] ~= '' and redis.call('HGET', KEYS[2], 'hostClientId') ~= ARGV[2] then return 3 end
        local a = redis.call('HGET', KEYS[3], 'active')
        if not a then return 1 end
        if a ~= 'true' then return 2 end
        redis.call('HSET', KEYS[3], 'active', 'false', 'endedAt', ARGV[1])
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[1])
        return 0
        """);

    /// <summary>KEYS config state pollconfig responses; ARGV clientId response now → PollOutcome.</summary>
    public static readonly RedisScript RecordPollResponse = new(nameof(RecordPollResponse), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
        local a = redis.call('HGET', KEYS[3], 'active')
        if not a then return 1 end
        if a ~= 'true' then return 2 end
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
        redis.call('HSET', KEYS[2], 'lastActivity', ARGV[3])
        return 0
        """);

    /// <summary>
    /// Dead-node cleanup of one room. KEYS config state clients, then the client hash of each member id; ARGV node memberIds...
    /// (as read from <c>room:clients</c> just before; a member that joined since is on a live node)
    /// → {releasedHostConn or '', [role, id]...} (players marked disconnected, audience removed). lastActivity stays.
    /// </summary>
    public static readonly RedisScript ReleaseNode = new(nameof(ReleaseNode), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {''} end
        local out = {''}
        local st = redis.call('HMGET', KEYS[2], 'hostNodeId', 'hostClientId')
        if st[1] == ARGV[1] and st[2] and st[2] ~= '' then
          redis.call('HSET', KEYS[2], 'hostClientId', '', 'hostNodeId', '')
          redis.call('ZREM', KEYS[3], st[2])
          out[1] = st[2]
        end
        local removed = 0
        for i = 4, #KEYS do
          local key = KEYS[i]
          local id = ARGV[i - 2]
          local c = redis.call('HMGET', key, 'role', 'connectedNodeId')
          if c[2] == ARGV[1] then
            if c[1] == 'player' then
              redis.call('HSET', key, 'socketId', '', 'connectedNodeId', '')
              out[#out + 1] = 'player'
              out[#out + 1] = id
            elseif c[1] == 'audience' then
              redis.call('DEL', key)
              redis.call('ZREM', KEYS[3], id)
              removed = removed + 1
              out[#out + 1] = 'audience'
              out[#out + 1] = id
            end
          end
        end
        if removed > 0 then redis.call('HINCRBY', KEYS[2], 'audienceCount', -removed) end
        return out
        """);

    /// <summary>
    /// The resync read. KEYS config state gamestate {client playerstate}...; → false when the room is gone, else
    /// {gamestate, gameStateRev, {playerstate, playerStateRev}...} (rev 0 when none).
    /// </summary>
    public static readonly RedisScript ReadStates = new(nameof(ReadStates), """
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        local out = {redis.call('GET', KEYS[3]) or '', tonumber(redis.call('HGET', KEYS[2], 'gameStateRev') or '0')}
        for i = 4, #KEYS, 2 do
          local rev = tonumber(redis.call('HGET', KEYS[i], 'playerStateRev') or '0')
          out[#out + 1] = rev > 0 and (redis.call('GET', KEYS[i + 1]) or '') or ''
          out[#out + 1] = rev
        end
        return out
        """);

    /// <summary>Every script (loaded on connect and after each reconnect).</summary>
    public static readonly RedisScript[] All =
    [
        CreateRoom, DeleteRoom, ClaimHost, ReleaseHost, JoinPlayer, ReclaimSeat, EndPlayer, JoinAudience, RemoveAudience,
        SetGameState, SetPlayerState, Touch, Enqueue, PeekToHost, AckToHost, AckAndPeekToHost, AckToHostNotify, StartPoll, EndPoll, RecordPollResponse, ReleaseNode,
        ReadStates,
    ];
}
