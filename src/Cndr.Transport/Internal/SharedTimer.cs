using System.Diagnostics;

namespace Cndr.Transport.Internal;

/// <summary>Monotonic milliseconds (Stopwatch-based; Environment.TickCount64 can be too coarse).</summary>
internal static class MonotonicClock
{
    private static readonly double s_msPerTick = 1000.0 / Stopwatch.Frequency;

    public static long NowMs => (long)(Stopwatch.GetTimestamp() * s_msPerTick);
}

/// <summary>Something the <see cref="SharedTimer"/> calls back.</summary>
internal interface ITimerTarget
{
    /// <summary>
    /// Called on the timer thread at or after <paramref name="dueMs"/> (the time it was scheduled for).
    /// Must be quick and must not throw; blocking or application work goes to the thread pool.
    /// </summary>
    void OnTimer(long token, long dueMs);
}

/// <summary>
/// The one timer of the process: a dedicated thread and a priority queue of (target, token, due time).
/// Heartbeats, connect timeouts and ack timeouts of every connection go through it, so an idle connection
/// owns no Timer or Task. Entries cannot be cancelled; targets ignore stale tokens (generation counters).
/// The thread wakes on a <see cref="GranularityMs"/> grid and then runs every entry due by then: entries made one per
/// connection (a request head's deadline, a heartbeat) come due a few milliseconds apart under a stream of connections,
/// and each wake-up of the thread costs a context switch; an entry runs at most that much late.
/// </summary>
internal sealed class SharedTimer
{
    /// <summary>The wake-up grid: an entry runs at the first multiple of this at or after its due time.</summary>
    internal const long GranularityMs = 10;

    private readonly PriorityQueue<(ITimerTarget Target, long Token), long> _queue = new();
    private readonly object _lock = new();
    private Thread? _thread;
    private long _wakeAt = long.MaxValue;

    public static SharedTimer Instance { get; } = new();

    /// <summary>Entries waiting (including stale ones).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public void Schedule(ITimerTarget target, long token, long dueMs)
    {
        lock (_lock)
        {
            _queue.Enqueue((target, token), dueMs);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "cndr-timer" };
                _thread.Start();
            }
            else if (WakeTime(dueMs) < _wakeAt)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private static long WakeTime(long dueMs) => (dueMs + GranularityMs - 1) / GranularityMs * GranularityMs;

    private void Run()
    {
        while (true)
        {
            ITimerTarget target;
            long token;
            long due;
            lock (_lock)
            {
                while (true)
                {
                    if (_queue.TryPeek(out _, out due))
                    {
                        var now = MonotonicClock.NowMs;
                        if (due <= now)
                        {
                            break;
                        }

                        _wakeAt = WakeTime(due);
                        Monitor.Wait(_lock, (int)Math.Min(_wakeAt - now, 60_000));
                    }
                    else
                    {
                        _wakeAt = long.MaxValue;
                        Monitor.Wait(_lock);
                    }
                }

                _wakeAt = long.MaxValue;
                (target, token) = _queue.Dequeue();
            }

            try
            {
                target.OnTimer(token, due);
            }
            catch (Exception ex)
            {
                Debug.Fail("timer callback threw", ex.ToString());
            }
        }
    }
}
