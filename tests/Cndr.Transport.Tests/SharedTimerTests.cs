using System.Collections.Concurrent;
using Cndr.Transport.Internal;

namespace Cndr.Transport.Tests;

/// <summary>The process's one timer: entries run in due order, never before their due time, however they are batched.</summary>
public class SharedTimerTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    private sealed class Recorder(int expected) : ITimerTarget
    {
        public ConcurrentQueue<(long Token, long Due, long At)> Fired { get; } = new();

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnTimer(long token, long dueMs)
        {
            Fired.Enqueue((token, dueMs, MonotonicClock.NowMs));
            if (Fired.Count == expected)
            {
                All.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task ManyEntriesDueMillisecondsApartAllRunInDueOrderAndNoneEarly()
    {
        const int entries = 200;
        var timer = new SharedTimer();
        var recorder = new Recorder(entries);
        var now = MonotonicClock.NowMs;
        // In due order: a test thread preempted while scheduling never sees a later entry run before an earlier one is in.
        for (var i = 0; i < entries; i++)
        {
            timer.Schedule(recorder, i, now + 5 + i);
        }

        await recorder.All.Task.WaitAsync(s_timeout);
        var fired = recorder.Fired.ToArray();
        Assert.Equal(Enumerable.Range(0, entries).Select(i => (long)i), fired.Select(f => f.Token));
        Assert.All(fired, f => Assert.True(f.At >= f.Due, $"entry {f.Token} ran at {f.At}, before its due time {f.Due}"));
    }

    [Fact]
    public async Task AnEntryScheduledBeforeThePendingWakeUpIsNotHeldBehindIt()
    {
        var timer = new SharedTimer();
        var recorder = new Recorder(2);
        var now = MonotonicClock.NowMs;
        timer.Schedule(recorder, 99, now + 600_000); // the thread now waits for this one
        await Task.Yield();
        timer.Schedule(recorder, 2, now + 40);
        timer.Schedule(recorder, 1, now + 20);

        await recorder.All.Task.WaitAsync(s_timeout);
        var fired = recorder.Fired.ToArray();
        Assert.Equal([1L, 2L], fired.Select(f => f.Token).Order());
        Assert.All(fired, f => Assert.True(f.At >= f.Due));
    }
}
