using System.Collections.Concurrent;
using Cndr.Core.Store;

namespace Cndr.Core.Relay;

/// <summary>
/// A room as seen by this node: its local host, players and audience for fan-out, a small poll cache and
/// the to-host queue state. Membership lists are copy-on-write arrays, so a broadcast reads a snapshot
/// without locking or allocating; changes take <see cref="Gate"/>, which is per room (unrelated rooms never contend).
/// Nothing is called on a connection while <see cref="Gate"/> is held.
/// </summary>
internal sealed class LocalRoom(RoomCode code)
{
    private const int MaxCachedPolls = 64;

    public readonly RoomCode Code = code;
    public readonly Lock Gate = new();

    private readonly Dictionary<string, ClientSession> _playersById = new(StringComparer.Ordinal);
    private readonly List<PollDefinition> _polls = [];

    // Guarded by Gate.
    public int Refs;
    public bool Dead;

    /// <summary>While true, message_to_host goes through the store queue (no local host, or a drain is not finished).</summary>
    public bool QueueMode = true;
    public bool Draining;
    public bool DrainRequested;
    public int PendingEnqueues;

    public long LastTouchMs;

    private volatile ClientSession? _host;
    private volatile ClientSession[] _players = [];
    private volatile ClientSession[] _audience = [];

    public ClientSession? Host => _host;

    public ClientSession[] Players => _players;

    public ClientSession[] Audience => _audience;

    /// <summary>Makes <paramref name="host"/> the local host; returns the previous local host. Caller holds <see cref="Gate"/>.</summary>
    public ClientSession? SetHost(ClientSession host)
    {
        var old = _host;
        _host = host;
        QueueMode = true;
        return old;
    }

    /// <summary>Clears the host if it is <paramref name="host"/>. Caller holds <see cref="Gate"/>.</summary>
    public bool RemoveHost(ClientSession host)
    {
        if (_host != host)
        {
            return false;
        }

        _host = null;
        QueueMode = true;
        return true;
    }

    /// <summary>Adds or replaces the player with <paramref name="player"/>'s clientId; returns the replaced session. Caller holds <see cref="Gate"/>.</summary>
    public ClientSession? SetPlayer(ClientSession player)
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
    public bool RemovePlayer(ClientSession player)
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
    public void AddAudience(ClientSession member) => _audience = [.. _audience, member];

    /// <summary>Caller holds <see cref="Gate"/>.</summary>
    public bool RemoveAudience(ClientSession member)
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
        QueueMode = true;
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

/// <summary>
/// The rooms that have local connections. A room is created on its first local member and removed with its last,
/// subscribing/unsubscribing the node to the room on the bus.
/// </summary>
internal sealed class LocalRoomRegistry(IRoomBus bus)
{
    private readonly ConcurrentDictionary<RoomCode, LocalRoom> _rooms = new();

    public int Count => _rooms.Count;

    /// <summary>The rooms with local connections (a live view; for stats and drain).</summary>
    public ICollection<LocalRoom> All => _rooms.Values;

    public bool TryGet(RoomCode code, out LocalRoom room) => _rooms.TryGetValue(code, out room!);

    /// <summary>Takes one reference on the room, creating it (and subscribing to it) when needed.</summary>
    public LocalRoom Acquire(RoomCode code)
    {
        while (true)
        {
            var room = _rooms.GetOrAdd(code, static c => new LocalRoom(c));
            lock (room.Gate)
            {
                if (room.Dead)
                {
                    continue;
                }

                if (room.Refs++ == 0)
                {
                    bus.Subscribe(code);
                }

                return room;
            }
        }
    }

    /// <summary>Gives up one reference; the last one removes the room and unsubscribes.</summary>
    public void Release(LocalRoom room)
    {
        lock (room.Gate)
        {
            if (--room.Refs > 0)
            {
                return;
            }

            room.Dead = true;
            _rooms.TryRemove(new KeyValuePair<RoomCode, LocalRoom>(room.Code, room));
            bus.Unsubscribe(room.Code);
        }
    }
}
