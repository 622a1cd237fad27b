using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cndr.Core.Diagnostics;

namespace Cndr.Core.Tests;

public sealed class CommandLatencyTests
{
    [Fact]
    public void BucketsAreCumulativePerCommandAndTheSumIsKept()
    {
        var latency = new CommandLatency(["unknown", "a", "b"]);
        var now = Stopwatch.GetTimestamp();
        latency.Record(1, now);                                   // ~0 s (well under 0.1 s)
        latency.Record(1, now - (Stopwatch.Frequency / 10 * 3));  // ~0.3 s
        latency.Record(2, now - (Stopwatch.Frequency * 60));      // 60 s: +Inf only

        Span<long> buckets = stackalloc long[CommandLatency.BucketBounds.Count + 1];
        var sum = latency.Read(1, buckets);
        Assert.Equal(2, buckets[^1]);
        Assert.Equal(1, buckets[CommandLatency.BucketBounds.ToList().IndexOf(0.1)]);
        var halfSecond = CommandLatency.BucketBounds.ToList().IndexOf(0.5);
        Assert.Equal(1, buckets[halfSecond - 1]);   // 0.25 s bound: only the fast one
        Assert.Equal(2, buckets[halfSecond]);
        Assert.InRange(sum, 0.3, 1);

        latency.Read(2, buckets);
        Assert.Equal(0, buckets[^2]);
        Assert.Equal(1, buckets[^1]);
    }

    [Fact]
    public void RecordingWithAListenerOnTheHistogramAllocatesNothing()
    {
        using var meter = new Meter("Cndr.Test." + Guid.NewGuid().ToString("N"));
        var latency = new CommandLatency(["unknown", "set_game_state"]);
        latency.Attach(meter);
        double total = 0;
        var count = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            total += value;
            count += tags.Length;
        });
        listener.Start();

        for (var i = 0; i < 1000; i++)
        {
            latency.Record(1, Stopwatch.GetTimestamp());
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            latency.Record(1, Stopwatch.GetTimestamp());
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(11_000, count);
        Assert.True(total >= 0);
        Assert.Equal(0, allocated);
    }
}
