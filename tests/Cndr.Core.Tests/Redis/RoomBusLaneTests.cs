using System.Collections.Concurrent;
using System.Text;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>The fast subscriber's burst lane on its own: order, the capacity bound, the gap once drained (no server needed).</summary>
public sealed class RoomBusLaneTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_full_lane_drops_and_reports_one_gap_after_delivering_what_it_held_in_order()
    {
        var room = RedisTestServer.NewCode();
        var delivered = new BlockingCollection<string>();
        using var gate = new ManualResetEventSlim(false);
        using var gap = new SemaphoreSlim(0);
        var lane = new RoomBusLane(
            (r, payload) =>
            {
                Assert.Equal(room, r);
                var text = Encoding.UTF8.GetString(payload.Span);
                if (text == "first")
                {
                    Assert.True(gate.Wait(s_wait)); // the first delivery holds the lane
                }

                delivered.Add(text);
            },
            ex => delivered.Add("failed: " + ex.Message),
            () => gap.Release(),
            capacity: 2);

        Assert.True(lane.IsIdle);
        Assert.True(lane.TryEnqueue(room, "first"u8));
        Assert.True(lane.TryEnqueue(room, "second"u8));
        Assert.False(lane.IsIdle);
        Assert.False(lane.TryEnqueue(room, "third"u8)); // two held (one being delivered): full
        Assert.Equal(0, gap.CurrentCount);

        gate.Set();
        Assert.True(delivered.TryTake(out var one, s_wait));
        Assert.True(delivered.TryTake(out var two, s_wait));
        Assert.Equal(("first", "second"), (one, two));
        Assert.True(gap.Wait(s_wait));
        Assert.True(lane.IsIdle);

        // Room again: the next message is taken and delivered, and no second gap follows.
        Assert.True(lane.TryEnqueue(room, "fourth"u8));
        Assert.True(delivered.TryTake(out var four, s_wait));
        Assert.Equal("fourth", four);
        Assert.False(gap.Wait(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void A_delivery_that_throws_is_reported_and_the_lane_goes_on()
    {
        var room = RedisTestServer.NewCode();
        var delivered = new BlockingCollection<string>();
        var lane = new RoomBusLane(
            (_, payload) =>
            {
                var text = Encoding.UTF8.GetString(payload.Span);
                if (text == "bad")
                {
                    throw new InvalidOperationException("listener bug");
                }

                delivered.Add(text);
            },
            ex => delivered.Add("failed: " + ex.Message),
            () => delivered.Add("gap"),
            capacity: 16);

        Assert.True(lane.TryEnqueue(room, "bad"u8));
        Assert.True(lane.TryEnqueue(room, "good"u8));
        Assert.True(delivered.TryTake(out var one, s_wait));
        Assert.True(delivered.TryTake(out var two, s_wait));
        Assert.Equal(("failed: listener bug", "good"), (one, two));
    }
}
