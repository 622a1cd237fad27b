using Cndr.Core.Store;
using Cndr.Transport.Internal;

namespace Cndr.Core.Relay;

/// <summary>
/// The poll timers of the polls whose host is on this node, on the process's one <see cref="SharedTimer"/> (no Timer
/// or Task per poll): the end of a timed poll, and the 250 ms tick of a poll with live results. The node that takes
/// the host schedules them (at <c>poll_start</c>, and again from the store when a host joins, so they survive a
/// host failover); a timer that fires on a node no longer holding the host is dropped. Ending a poll is an atomic
/// store step, so two nodes racing for the same end still announce it once.
/// </summary>
internal sealed class PollTimers(Func<PollTimers.Entry, Task> fire) : ITimerTarget
{
    /// <summary>Least time between two <c>poll_tally</c> events of one poll.</summary>
    public const int TallyIntervalMs = 250;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Entry> _byToken = [];
    private readonly Dictionary<(RoomCode Code, string PollId, bool Tally), long> _tokens = [];
    private long _nextToken;

    /// <summary>Timers waiting to fire.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byToken.Count;
            }
        }
    }

    /// <summary>Schedules what <paramref name="poll"/> needs (its end, its tally tick) unless it is already scheduled here.</summary>
    public void Track(RoomCode code, PollDefinition poll, long nowMs)
    {
        if (!poll.Active)
        {
            return;
        }

        if (poll.EndsAtMs > 0)
        {
            Schedule(new Entry(code, poll.PollId, Tally: false), Math.Max(0, poll.EndsAtMs - nowMs), replace: false);
        }

        if (poll.LiveResults)
        {
            Schedule(new Entry(code, poll.PollId, Tally: true), TallyIntervalMs, replace: false);
        }
    }

    /// <summary>Runs <paramref name="entry"/> again after <paramref name="delayMs"/> (a tally tick, or a retry).</summary>
    public void Again(Entry entry, long delayMs) => Schedule(entry, delayMs, replace: true);

    private void Schedule(Entry entry, long delayMs, bool replace)
    {
        long token;
        lock (_gate)
        {
            var key = (entry.Code, entry.PollId, entry.Tally);
            if (!replace && _tokens.ContainsKey(key))
            {
                return;
            }

            token = ++_nextToken;
            _tokens[key] = token;
            _byToken[token] = entry;
        }

        SharedTimer.Instance.Schedule(this, token, MonotonicClock.NowMs + delayMs);
    }

    void ITimerTarget.OnTimer(long token, long dueMs)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_byToken.Remove(token, out entry))
            {
                return;
            }

            var key = (entry.Code, entry.PollId, entry.Tally);
            if (_tokens.TryGetValue(key, out var current) && current == token)
            {
                _tokens.Remove(key);
            }
        }

        // Store work does not belong on the timer thread.
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Fire(s.Entry), (Fire: fire, Entry: entry), preferLocal: false);
    }

    /// <summary>One timer: the end (<see cref="Tally"/> false) or the tally tick of one poll.</summary>
    internal sealed record Entry(RoomCode Code, string PollId, bool Tally)
    {
        /// <summary>The last <c>poll_tally</c> sent (a tick sends nothing when the counts did not change).</summary>
        public byte[]? LastTally { get; set; }
    }
}
