namespace Cndr.Core.Diagnostics;

/// <summary>
/// Budget for log lines that clients cause (<see cref="ClientLogKind"/>): at most <c>linesPerInterval</c> lines of
/// each kind per interval; the rest are counted and reported as one "N suppressed" line per kind when the interval
/// ends (<see cref="Flush"/>, called by the relay's shared sweep). A client looping a forbidden command therefore
/// costs the logger a bounded number of lines, while the relay's counters still count every event.
/// </summary>
/// <remarks>Lock-free and allocation-free on the event path: two interlocked increments at most.</remarks>
internal sealed class LogThrottle(int linesPerInterval, int intervalMs)
{
    private static readonly int s_kinds = Enum.GetValues<ClientLogKind>().Length;

    private readonly long[] _lines = new long[s_kinds];
    private readonly long[] _suppressed = new long[s_kinds];
    private readonly long[] _windowStartMs = new long[s_kinds];

    /// <summary>True when a line of <paramref name="kind"/> may be written now; false when it is suppressed (and counted).</summary>
    public bool TryLog(ClientLogKind kind)
    {
        if (Interlocked.Increment(ref _lines[(int)kind]) <= linesPerInterval)
        {
            return true;
        }

        Interlocked.Increment(ref _suppressed[(int)kind]);
        return false;
    }

    /// <summary>
    /// Ends the interval of every kind whose interval is over: its budget is renewed, and <paramref name="report"/> is
    /// called with the number of lines suppressed in it (when any).
    /// </summary>
    public void Flush(long nowMs, Action<ClientLogKind, long, int> report)
    {
        for (var k = 0; k < s_kinds; k++)
        {
            if (nowMs - Volatile.Read(ref _windowStartMs[k]) < intervalMs)
            {
                continue;
            }

            Volatile.Write(ref _windowStartMs[k], nowMs);
            var suppressed = Interlocked.Exchange(ref _suppressed[k], 0);
            Interlocked.Exchange(ref _lines[k], 0);
            if (suppressed > 0)
            {
                report((ClientLogKind)k, suppressed, intervalMs);
            }
        }
    }
}
