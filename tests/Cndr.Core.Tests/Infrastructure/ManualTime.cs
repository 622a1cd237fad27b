namespace Cndr.Core.Tests.Infrastructure;

/// <summary>A clock the test moves; its timers never fire on their own (tests call the sweep directly).</summary>
public sealed class ManualTime : TimeProvider
{
    private long _nowMs = 1_700_000_000_000;

    public long NowMs => Interlocked.Read(ref _nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _nowMs, (long)by.TotalMilliseconds);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NoTimer();

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => default;
    }
}
