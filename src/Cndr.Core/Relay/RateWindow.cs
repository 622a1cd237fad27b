namespace Cndr.Core.Relay;

/// <summary>
/// A fixed-window counter: attempts within the window that started at the first attempt after
/// the previous window ran out. Not thread-safe: the owner serialises calls (one session's commands, or a room's
/// <see cref="LocalRoom.Gate"/>).
/// </summary>
internal struct RateWindow
{
    private long _windowStartMs;
    private int _count;

    /// <summary>Counts one attempt; returns 0 when allowed, else the milliseconds until the window resets.</summary>
    public long TryConsume(long nowMs, int limit, int windowMs)
    {
        if (_count == 0 || nowMs - _windowStartMs >= windowMs)
        {
            _windowStartMs = nowMs;
            _count = 0;
        }

        if (_count >= limit)
        {
            return Math.Max(1, _windowStartMs + windowMs - nowMs);
        }

        _count++;
        return 0;
    }
}
