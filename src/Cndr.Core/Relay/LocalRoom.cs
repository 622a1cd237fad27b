using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>
/// A room as seen by this node: its local host, players and audience for fan-out, a small poll cache and
/// its <see cref="ToHostQueue"/>. Membership lists are copy-on-write arrays, so a broadcast reads a snapshot
/// without locking or allocating; changes take <see cref="Gate"/>, which is per room (unrelated rooms never contend).
/// Nothing is called on a connection while <see cref="Gate"/> is held.
/// </summary>
internal sealed class LocalRoom
{
    private const int MaxCachedPolls = 64;

    public readonly RoomCode Code;
    public readonly Lock Gate = new();

    /// <summary>How message_to_host reaches the local host: directly, or through the store queue and a drain.</summary>
    public readonly ToHostQueue ToHost;

    private readonly Dictionary<string, ClientSession> _playersById = new(StringComparer.Ordinal);
    private readonly List<PollDefinition> _polls = [];

    // Guarded by Gate (LocalRoomRegistry).
    public int Refs;
    public bool Dead;

    /// <summary>Last activity touch sent to the store for this room (Unix ms).</summary>
    public long LastTouchMs;

    /// <summary>Completes once the node's bus subscription to the room is in place (set with the first reference).</summary>
    public Task Subscribed = Task.CompletedTask;

    /// <summary>
    /// Orders the state deliveries of the room (<c>game_state</c> to everyone, <c>player_state</c> to one player) against
    /// each other and the resync: a rev is sent only if it is newer than the last one sent. Only state sends take it.
    /// </summary>
    public readonly Lock StateGate = new();

    /// <summary>The highest <c>gameStateRev</c> sent to the room's local players and audience; under <see cref="StateGate"/>.</summary>
    public long GameRev;

    /// <summary>True once <see cref="GameRev"/> holds a rev seen here (a delivery or the first member's join); under <see cref="StateGate"/>.</summary>
    public bool GameRevKnown;

    /// <summary>
    /// <c>player_state</c>s this node sent or received for the room (Interlocked): a player whose join saw this change may
    /// have missed its own (sent to its previous connection, or before it was registered here), and is resynced.
    /// </summary>
    public int PlayerStatesSeen;

    /// <summary>Resync requests not yet served; the first one starts the room's only resync loop (Interlocked).</summary>
    public int ResyncRequests;

    // The room's audience budget for message_to_host on this node (RelayOptions.AudienceMessageBudget); under Gate.
    private RateWindow _audienceBudget;

    private volatile ClientSession? _host;
    private volatile ClientSession[] _players = [];
    private volatile ClientSession[] _audience = [];

    public LocalRoom(RoomCode code)
    {
        Code = code;
        ToHost = new ToHostQueue(this);
    }

    public ClientSession? Host => _host;

    /// <summary>Counts one audience message_to_host against the room's budget; 0 when allowed, else ms until it resets.</summary>
    public long TryConsumeAudienceBudget(long nowMs, int limit, int windowMs)
    {
        lock (Gate)
        {
            return _audienceBudget.TryConsume(nowMs, limit, windowMs);
        }
    }

    /// <summary>
    /// Adds a joined session under its role (takes <see cref="Gate"/>); returns the local session it replaces
    /// (previous host, previous connection of the seat), or null.
    /// </summary>
    public ClientSession? AddMember(ClientSession session)
    {
        lock (Gate)
        {
            switch (session.Role)
            {
                case ClientRole.Host:
                    return SetHost(session);
                case ClientRole.Player:
                    return SetPlayer(session);
                default:
                    AddAudience(session);
                    return null;
            }
        }
    }

    /// <summary>
    /// The one way a session leaves the local room (disconnect, leave, kick); takes <see cref="Gate"/>. False when
    /// the session no longer held its place here (replaced, or already removed).
    /// </summary>
    public bool RemoveMember(ClientSession session)
    {
        lock (Gate)
        {
            return session.Role switch
            {
                ClientRole.Host => RemoveHost(session),
                ClientRole.Player => RemovePlayer(session),
                _ => RemoveAudience(session),
            };
        }
    }

    public ClientSession[] Players => _players;

    public ClientSession[] Audience => _audience;

    /// <summary>Makes <paramref name="host"/> the local host; returns the previous local host. Caller holds <see cref="Gate"/>.</summary>
    private ClientSession? SetHost(ClientSession host)
    {
        var old = _host;
        _host = host;
        ToHost.HostChanged();
        return old;
    }

    /// <summary>Clears the host if it is <paramref name="host"/>. Caller holds <see cref="Gate"/>.</summary>
    private bool RemoveHost(ClientSession host)
    {
        if (_host != host)
        {
            return false;
        }

        _host = null;
        ToHost.HostChanged();
        return true;
    }

    /// <summary>Adds or replaces the player with <paramref name="player"/>'s clientId; returns the replaced session. Caller holds <see cref="Gate"/>.</summary>
    private ClientSession? SetPlayer(ClientSession player)
    {
        _playersById.TryGetValue(player.ClientId, out var old);
        _playersById[player.ClientId] = player;
        var list = _players;
        if (old is not null)
        {
            var copy = (ClientSession[])list.Clone();
            copy[Array.IndexOf(list, old)] = player;
            _players = copy;
        }
        else
        {
            _players = [.. list, player];
        }

        return old;
    }

    /// <summary>Removes <paramref name="player"/> if it still holds its clientId here. Caller holds <see cref="Gate"/>.</summary>
    private bool RemovePlayer(ClientSession player)
    {
        if (!_playersById.TryGetValue(player.ClientId, out var current) || current != player)
        {
            return false;
        }

        _playersById.Remove(player.ClientId);
        _players = Array.FindAll(_players, p => p != player);
        return true;
    }

    /// <summary>The local session of a player by clientId. Caller holds <see cref="Gate"/>.</summary>
    public ClientSession? FindPlayer(string clientId) => _playersById.GetValueOrDefault(clientId);

    /// <summary>The local player with this clientId (as characters), without allocating a string to look it up.</summary>
    public ClientSession? FindPlayer(ReadOnlySpan<char> clientId) =>
        _playersById.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(clientId, out var s) ? s : null;

    /// <summary>Caller holds <see cref="Gate"/>.</summary>
    private void AddAudience(ClientSession member) => _audience = [.. _audience, member];

    /// <summary>Caller holds <see cref="Gate"/>.</summary>
    private bool RemoveAudience(ClientSession member)
    {
        var list = _audience;
        if (Array.IndexOf(list, member) < 0)
        {
            return false;
        }

        _audience = Array.FindAll(list, a => a != member);
        return true;
    }

    /// <summary>Any local session of the room whose connection id is <paramref name="connectionId"/>. Caller holds <see cref="Gate"/>.</summary>
    public ClientSession? FindConnection(string connectionId)
    {
        if (_host is { } h && h.Connection.Id == connectionId)
        {
            return h;
        }

        foreach (var p in _players)
        {
            if (p.Connection.Id == connectionId)
            {
                return p;
            }
        }

        foreach (var a in _audience)
        {
            if (a.Connection.Id == connectionId)
            {
                return a;
            }
        }

        return null;
    }

    /// <summary>Every local session (host, players, audience) and empties the lists. Caller holds <see cref="Gate"/>.</summary>
    public List<ClientSession> TakeAll()
    {
        var all = new List<ClientSession>(_players.Length + _audience.Length + 1);
        if (_host is { } h)
        {
            all.Add(h);
        }

        all.AddRange(_players);
        all.AddRange(_audience);
        _host = null;
        _players = [];
        _audience = [];
        _playersById.Clear();
        ToHost.HostChanged();
        return all;
    }

    /// <summary>A cached poll whose id equals the UTF-8 <paramref name="pollId"/>. Caller holds <see cref="Gate"/>.</summary>
    public PollDefinition? FindPoll(ReadOnlySpan<byte> pollId)
    {
        foreach (var p in _polls)
        {
            if (AsciiEquals(p.PollId, pollId))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>Adds or replaces a cached poll (bounded; oldest evicted). Caller holds <see cref="Gate"/>.</summary>
    public void CachePoll(PollDefinition poll)
    {
        var i = _polls.FindIndex(p => p.PollId == poll.PollId);
        if (i >= 0)
        {
            _polls[i] = poll;
            return;
        }

        if (_polls.Count >= MaxCachedPolls)
        {
            _polls.RemoveAt(0);
        }

        _polls.Add(poll);
    }

    private static bool AsciiEquals(string s, ReadOnlySpan<byte> b)
    {
        if (s.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < b.Length; i++)
        {
            if (s[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
