using System.Diagnostics;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// The fast subscriber's keepalive against a real redis-server that stops answering (SIGSTOP): without it the connection
/// stays open, looks live, and every publication of the pause is lost unnoticed.
/// </summary>
[Collection(ReadinessLoopCollection.Name)]
public sealed class RedisFastSubscriberKeepAliveRedisTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_Redis_that_stops_answering_is_noticed_by_the_keepalive_and_the_subscription_comes_back_with_a_gap()
    {
        await using var server = await RedisServer.StartAsync();
        var options = new RedisStoreOptions
        {
            Host = server.Host,
            Port = server.Port,
            ConnectTimeoutMs = 1000,
            OperationTimeoutMs = 1000,
            SubscriberKeepAliveMs = 200,
        };
        var room = RedisTestServer.NewCode();
        var channel = Encoding.UTF8.GetBytes("ka:" + room);
        var gaps = 0;
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var sub = new RedisFastSubscriber(
            options,
            NullLogger.Instance,
            "ka:",
            RoomBusCodec.NodeId("this-node"),
            (r, payload) => received.Enqueue(Encoding.UTF8.GetString(payload.Span)),
            () => Interlocked.Increment(ref gaps),
            1024);
        sub.Start();
        await sub.Subscribe(room, channel).WaitAsync(s_wait);
        await WaitUntilAsync(() => sub.IsLive && sub.IsSubscribed(room));

        // Quiet: PINGs go out and are answered; nothing else changes.
        await WaitUntilAsync(() => sub.PingCount >= 3);
        Assert.True(sub.IsLive);
        Assert.Equal(0, sub.ReconnectCount);
        Assert.Equal(0, Volatile.Read(ref gaps));

        server.Pause();
        try
        {
            await WaitUntilAsync(() => !sub.IsLive);
            Assert.False(sub.IsSubscribed(room));
        }
        finally
        {
            server.Resume();
        }

        await WaitUntilAsync(() => sub.IsLive && sub.IsSubscribed(room) && Volatile.Read(ref gaps) == 1);
        Assert.True(sub.ReconnectCount >= 1);

        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var payload = RoomBusCodec.Encode("other-node"u8, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players, null, "after"u8.ToArray()));
        await admin.GetSubscriber().PublishAsync(StackExchange.Redis.RedisChannel.Literal(channel), payload);
        await WaitUntilAsync(() => !received.IsEmpty);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < s_wait, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
