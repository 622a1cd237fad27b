using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;

namespace Cndr.Core.Tests.Redis;

/// <summary>The room bus against a real redis-server, on cndr's own subscription connection (<see cref="RedisFastSubscriber"/>).</summary>
/// <remarks>Not sealed: <see cref="RedisRoomBusWithoutFastSubscriberRedisTests"/> runs the same tests on StackExchange.Redis's subscriber.</remarks>
[Collection(ReadinessLoopCollection.Name)]
public class RedisRoomBusRedisTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    /// <summary>Whether the bus subscribes on <see cref="RedisFastSubscriber"/> (REDIS_FAST_SUBSCRIBER).</summary>
    protected virtual bool FastSubscriber => true;

    /// <summary>Whether the fast subscriber is read on the transport's epoll loop (else on its reader thread).</summary>
    protected virtual bool ReadOnLoop => true;

    private RedisStoreOptions Options(RedisServer server) =>
        new() { Host = server.Host, Port = server.Port, ConnectTimeoutMs = 5000, OperationTimeoutMs = 2000, FastSubscriber = FastSubscriber, ReadOnLoop = ReadOnLoop };

    private async Task<Node> StartNodeAsync(RedisServer server, string nodeId)
    {
        var node = await Node.StartAsync(Options(server), nodeId);
        Assert.Equal(FastSubscriber, node.Bus.UsesFastSubscriber);
        return node;
    }

    private static RoomBusMessage Deliver(string packet, RoomRecipients to = RoomRecipients.Players | RoomRecipients.Audience, string? target = null) =>
        new(RoomBusKind.Deliver, to, target, Encoding.UTF8.GetBytes(packet));

    [Fact]
    public async Task A_published_message_reaches_the_other_subscribed_nodes_as_sent_and_never_the_publisher()
    {
        await using var server = await RedisServer.StartAsync();
        await using var a = await StartNodeAsync(server, "node-a");
        await using var b = await StartNodeAsync(server, "node-b");
        await using var c = await StartNodeAsync(server, "node-c");
        var room = RedisTestServer.NewCode();
        var otherRoom = RedisTestServer.NewCode();
        await a.Bus.Subscribe(room);
        await b.Bus.Subscribe(room);
        await c.Bus.Subscribe(otherRoom);
        await WaitUntilAsync(() => a.Bus.IsSubscribed(room) && b.Bus.IsSubscribed(room) && c.Bus.IsSubscribed(otherRoom));

        a.Bus.Publish(room, new RoomBusMessage(RoomBusKind.Kick, RoomRecipients.None, "conn-42", Encoding.UTF8.GetBytes("42[\"relay_error\",{}]")));
        a.Bus.Publish(room, Deliver("42[\"game_state\",{\"rev\":1}]", RoomRecipients.Player, "client-ü"));
        a.Bus.Publish(room, new RoomBusMessage(RoomBusKind.ToHostQueued, RoomRecipients.None, null, default));

        var kick = await b.NextAsync();
        Assert.Equal((room, RoomBusKind.Kick, RoomRecipients.None, "conn-42", "42[\"relay_error\",{}]"), kick);
        Assert.Equal((room, RoomBusKind.Deliver, RoomRecipients.Player, "client-ü", "42[\"game_state\",{\"rev\":1}]"), await b.NextAsync());
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.None, null, ""), await b.NextAsync());

        // b publishes back: a gets it; nobody got its own message, c (another room) got nothing.
        b.Bus.Publish(room, Deliver("marker"));
        Assert.Equal("marker", (await a.NextAsync()).Packet);
        Assert.True(b.IsEmpty);
        Assert.True(c.IsEmpty);
    }

    [Fact]
    public async Task Messages_of_a_room_arrive_in_publication_order()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = await SubscribedRoomAsync(b);

        for (var i = 0; i < 500; i++)
        {
            a.Bus.Publish(room, Deliver(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), (await b.NextAsync()).Packet);
        }
    }

    [Fact]
    public async Task After_unsubscribing_a_node_receives_nothing_more_for_the_room()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = RedisTestServer.NewCode();
        var sentinelRoom = RedisTestServer.NewCode();
        await b.Bus.Subscribe(room);
        await b.Bus.Subscribe(room); // idempotent
        await b.Bus.Subscribe(sentinelRoom);
        await WaitUntilAsync(() => b.Bus.IsSubscribed(room) && b.Bus.IsSubscribed(sentinelRoom));
        Assert.Equal(2, b.Bus.SubscriptionCount);

        b.Bus.Unsubscribe(room);
        Assert.Equal(1, b.Bus.SubscriptionCount);
        await WaitUntilAsync(async () => await NumSubAsync(a, room) == 0);
        a.Bus.Publish(room, Deliver("after-unsubscribe"));
        a.Bus.Publish(sentinelRoom, Deliver("sentinel"));

        // The sentinel was published later on the same connection: once it is here, the other message would have been too.
        var next = await b.NextAsync();
        Assert.Equal((sentinelRoom, "sentinel"), (next.Room, next.Packet));
        Assert.True(b.IsEmpty);

        await b.Bus.Subscribe(room);
        await WaitUntilAsync(() => b.Bus.IsSubscribed(room));
        a.Bus.Publish(room, Deliver("again"));
        Assert.Equal("again", (await b.NextAsync()).Packet);
    }

    [Fact]
    public async Task A_node_receives_its_rooms_again_after_the_server_restarts()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = RedisTestServer.NewCode();
        var lateRoom = RedisTestServer.NewCode();
        await b.Bus.Subscribe(room);
        await WaitUntilAsync(() => b.Bus.IsSubscribed(room));

        server.Kill();
        a.Bus.Publish(room, Deliver("lost")); // must not throw while down
        _ = b.Bus.Subscribe(lateRoom);              // asked for while down
        await server.RestartAsync();

        // Both subscriptions come back by themselves: publish until b sees each room (bounded).
        var deadline = Stopwatch.StartNew();
        var seen = new HashSet<RoomCode>();
        while (seen.Count < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "subscriptions did not come back after the restart");
            a.Bus.Publish(room, Deliver("back"));
            a.Bus.Publish(lateRoom, Deliver("back"));
            var got = await b.TryNextAsync(TimeSpan.FromMilliseconds(250));
            if (got is { } m)
            {
                Assert.Equal("back", m.Packet);
                seen.Add(m.Room);
            }
        }
    }

    [Fact]
    public async Task A_malformed_payload_on_the_channel_is_ignored()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = await SubscribedRoomAsync(b);

        await a.Connection.Multiplexer.GetSubscriber().PublishAsync(StackExchange.Redis.RedisChannel.Literal($"room:updates:{room}"), "{\"type\":\"gamestate\"}");
        a.Bus.Publish(room, Deliver("valid"));
        Assert.Equal("valid", (await b.NextAsync()).Packet);
    }

    [Fact]
    public async Task An_enqueue_to_the_host_notifies_the_other_nodes_in_its_own_script_when_the_queue_was_empty()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var store = new RedisRelayStore(a.Connection, "node-a");
        Assert.True(store.EnqueueNotifies);
        var room = RedisTestServer.NewCode();
        await store.CreateRoomAsync(room, new RoomConfig("k", "", 0, 0, 1), 1);
        await store.ClaimHostAsync(room, "host-1", "node-b", 2);
        await a.Bus.Subscribe(room);
        await b.Bus.Subscribe(room);
        await WaitUntilAsync(() => a.Bus.IsSubscribed(room) && b.Bus.IsSubscribed(room));

        // Three messages into an empty queue: one notification (the host's node drains until it reads the queue empty).
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(EnqueueOutcome.Queued, await store.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), 10, 10 + i));
        }

        // A marker published after the enqueues arrives after every notification they made (one channel, one order). The
        // notification carries the entry that made the queue non-empty.
        a.Bus.Publish(room, Deliver("marker-1"));
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.Host, (string?)null, "{\"n\":0}"), await b.NextAsync());
        Assert.Equal("marker-1", (await b.NextAsync()).Packet);

        // Drained (acknowledged) to empty: the next message notifies again. A full queue notifies nothing.
        var batch = await store.AckAndPeekToHostAsync(room, "host-1", 0, 10, int.MaxValue);
        Assert.Equal(3, (await store.AckAndPeekToHostAsync(room, "host-1", batch.Entries.Count, 10, int.MaxValue)).Removed);
        Assert.Equal(EnqueueOutcome.Queued, await store.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":3}"), 1, 20));
        Assert.Equal(EnqueueOutcome.QueueFull, await store.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":4}"), 1, 21));
        a.Bus.Publish(room, Deliver("marker-2"));
        Assert.Equal(RoomBusKind.ToHostQueued, (await b.NextAsync()).Kind);
        Assert.Equal("marker-2", (await b.NextAsync()).Packet);

        // Never back to the publishing node (its own id is in the envelope).
        Assert.True(a.IsEmpty);
    }

    [Fact]
    public async Task A_drains_background_acknowledgement_notifies_every_node_when_entries_were_pushed_after_its_last_read()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var (hostSide, senderSide, room) = await HostedRoomAsync(a, b);

        // The drain on node-a reads the only entry (nothing more); a second one is pushed before its acknowledgement.
        await senderSide.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":0}"), 10, 10);
        Assert.Equal(RoomBusKind.ToHostQueued, (await a.NextAsync()).Kind);
        var read = await hostSide.AckAndPeekToHostAsync(room, "host-1", 0, 10, int.MaxValue);
        Assert.False(read.More);
        await senderSide.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":1}"), 10, 11);

        // The acknowledgement removes what was written and, entries remaining, notifies — node-a's own bus included.
        hostSide.AckToHostInBackground(room, "host-1", 1);
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.Host, (string?)null, ""), await a.NextAsync());
        Assert.Equal(["{\"n\":1}"], (await hostSide.PeekToHostAsync(room, 10, int.MaxValue)).Select(e => Encoding.UTF8.GetString(e.Span)));

        // Queue empty after it: no notice (a marker published afterwards comes first).
        hostSide.AckToHostInBackground(room, "host-1", 1);
        Assert.Empty(await hostSide.PeekToHostAsync(room, 10, int.MaxValue));
        b.Bus.Publish(room, Deliver("marker"));
        Assert.Equal("marker", (await a.NextAsync()).Packet);
    }

    [Fact]
    public async Task A_notified_entry_carries_its_number_and_an_acknowledgement_by_number_removes_nothing_else_even_twice()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var (hostSide, senderSide, room) = await HostedRoomAsync(a, b);

        // Entries are numbered 1, 2, … as pushed; the one into the empty queue comes with its number (the envelope's rev).
        await senderSide.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":0}"), 10, 10);
        await senderSide.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":1}"), 10, 11);
        Assert.Equal("{\"n\":0}", (await a.NextAsync()).Packet);
        Assert.Equal(1, a.RevOf["{\"n\":0}"]);
        var read = await hostSide.AckAndPeekToHostAsync(room, "host-1", 0, 10, int.MaxValue);
        Assert.Equal(1, read.FirstSeq);
        Assert.Equal(2, read.Entries.Count);

        // Acknowledged by number 1 twice (a repeated or late acknowledgement): entry 2, never written, stays; each time,
        // entries remaining, the host's node is told to drain (a notice without an entry).
        hostSide.AckToHostInBackground(room, "host-1", 1, 1);
        hostSide.AckToHostInBackground(room, "host-1", 1, 1);
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.Host, (string?)null, ""), await a.NextAsync());
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.Host, (string?)null, ""), await a.NextAsync());
        read = await hostSide.AckAndPeekToHostAsync(room, "host-1", 0, 10, int.MaxValue);
        Assert.Equal(2, read.FirstSeq);
        Assert.Equal(["{\"n\":1}"], read.Entries.Select(e => Encoding.UTF8.GetString(e.Span)));

        // A former host's acknowledgement removes nothing; the host's empties the queue, and the next entry notifies with number 3.
        hostSide.AckToHostInBackground(room, "host-0", 1, 2);
        Assert.Equal((room, RoomBusKind.ToHostQueued, RoomRecipients.Host, (string?)null, ""), await a.NextAsync());
        hostSide.AckToHostInBackground(room, "host-1", 1, 2);
        Assert.Empty(await hostSide.PeekToHostAsync(room, 10, int.MaxValue)); // same connection: after the acknowledgement
        await senderSide.EnqueueToHostAsync(room, Encoding.UTF8.GetBytes("{\"n\":2}"), 10, 12);
        Assert.Equal("{\"n\":2}", (await a.NextAsync()).Packet);
        Assert.Equal(3, a.RevOf["{\"n\":2}"]);
        Assert.Equal(3, (await hostSide.AckAndPeekToHostAsync(room, "host-1", 0, 10, int.MaxValue)).FirstSeq);
    }

    [Fact]
    public async Task A_state_write_counts_the_rooms_subscribers_so_a_node_alone_in_the_room_skips_its_publication()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var store = new RedisRelayStore(a.Connection, "node-a");
        var room = RedisTestServer.NewCode();
        var state = Encoding.UTF8.GetBytes("{}");
        await store.CreateRoomAsync(room, new RoomConfig("k", "", 0, 0, 1), 1);

        async Task<(long Rev, int Subscribers)> WriteAsync()
        {
            var w = await store.SetGameStateAsync(room, state, 2);
            Assert.Equal(StateWriteOutcome.Written, w.Outcome);
            return (w.Rev, w.ChannelSubscribers);
        }

        // Nobody listens: nothing to publish.
        Assert.Equal((1, 0), await WriteAsync());
        Assert.False(a.Bus.NeedsPublish(room, 0));

        // Node a alone: the one subscriber is a itself.
        await a.Bus.Subscribe(room);
        Assert.Equal((2, 1), await WriteAsync());
        Assert.False(a.Bus.NeedsPublish(room, 1));

        // Node b joins the room: publish.
        await b.Bus.Subscribe(room);
        Assert.Equal((3, 2), await WriteAsync());
        Assert.True(a.Bus.NeedsPublish(room, 2));

        // Node b alone: the one counted is another node's.
        a.Bus.Unsubscribe(room);
        await WaitUntilAsync(async () => await NumSubAsync(b, room) == 1);
        Assert.Equal((4, 1), await WriteAsync());
        Assert.True(a.Bus.NeedsPublish(room, 1));
        Assert.True(a.Bus.NeedsPublish(room, -1)); // not counted (cluster schema, embedded store): always publish
        b.Bus.Unsubscribe(room);

        // Node a alone again, then its subscription connection fails: until its subscriptions are re-issued and acknowledged
        // it cannot count itself, so it publishes.
        await a.Bus.Subscribe(room);
        await WaitUntilAsync(async () => await NumSubAsync(a, room) == 1);
        Assert.False(a.Bus.NeedsPublish(room, 1));
        server.Kill();
        await WaitUntilAsync(() => a.Bus.NeedsPublish(room, 1));
        await server.RestartAsync();
        await WaitUntilAsync(() => !a.Bus.NeedsPublish(room, 1));
        await WaitUntilAsync(async () => await NumSubAsync(a, room) == 1);
    }

    [Fact]
    public async Task A_game_state_write_publishes_in_its_own_script_the_envelope_the_node_would_have_published_when_another_node_listens()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var store = new RedisRelayStore(a.Connection, "node-a");
        var room = RedisTestServer.NewCode();
        var state = Encoding.UTF8.GetBytes("{\"board\":[1,2,3],\"ü\":\"\\\"x\"}");
        await store.CreateRoomAsync(room, new RoomConfig("k", "", 0, 0, 1), 1);

        // What the relay sends its local recipients and what RoomBus.Publish would have put on the channel, for a revision.
        static byte[] Packet(byte[] state, long rev)
        {
            var m = Protocol.RelayEvents.State(GameStatePacket.Name, state, rev);
            var bytes = m.Payload.ToArray();
            m.Release();
            return bytes;
        }

        byte[] Envelope(long rev) => RoomBusCodec.Encode(RoomBusCodec.NodeId("node-a"),
            new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, null, Packet(state, rev), rev));

        // Node a alone on the channel, counting itself: nothing published.
        await a.Bus.Subscribe(room);
        await WaitUntilAsync(() => a.Bus.HearsItself(room));
        var w = await store.SetGameStateAsync(room, state, 2, null, subscribedHere: a.Bus.HearsItself(room));
        Assert.Equal((StateWriteOutcome.Written, 1L, 1, false), (w.Outcome, w.Rev, w.ChannelSubscribers, w.Published));

        // Another subscriber (a plain one on a connection of its own, reading the channel's raw bytes): the script publishes,
        // byte for byte the envelope.
        await using var plain = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{server.Host}:{server.Port}");
        var raw = await plain.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal($"room:updates:{room}"));
        w = await store.SetGameStateAsync(room, state, 3, null, subscribedHere: a.Bus.HearsItself(room));
        Assert.Equal((2L, 2, true), (w.Rev, w.ChannelSubscribers, w.Published));
        using (var cts = new CancellationTokenSource(s_wait))
        {
            Assert.Equal(Envelope(2), (byte[])(await raw.ReadAsync(cts.Token)).Message!);
        }

        // A rev of sixteen digits is written out whole (Lua's default number format, %.14g, would print 1e+15).
        await a.Connection.Database.HashSetAsync($"room:state:{room}", "gameStateRev", 999_999_999_999_999);
        await b.Bus.Subscribe(room);
        await WaitUntilAsync(() => b.Bus.IsSubscribed(room));
        w = await store.SetGameStateAsync(room, state, 4, null, subscribedHere: a.Bus.HearsItself(room));
        Assert.Equal((1_000_000_000_000_000L, 3, true), (w.Rev, w.ChannelSubscribers, w.Published));
        using (var cts = new CancellationTokenSource(s_wait))
        {
            Assert.Equal(Envelope(1_000_000_000_000_000), (byte[])(await raw.ReadAsync(cts.Token)).Message!);
        }

        // Node b decodes it as any publication: players and audience, the packet as the relay encodes it, the rev.
        var packet = Encoding.UTF8.GetString(Packet(state, 1_000_000_000_000_000));
        Assert.Equal((room, RoomBusKind.Deliver, RoomRecipients.Players | RoomRecipients.Audience, (string?)null, packet), await b.NextAsync());
        Assert.Equal(1_000_000_000_000_000, b.RevOf[packet]);
        Assert.True(a.IsEmpty); // never back to its own node

        // Not counting itself (say its subscription just failed), node a alone still publishes: a wrong "no" is never made.
        await raw.UnsubscribeAsync();
        b.Bus.Unsubscribe(room);
        await WaitUntilAsync(async () => await NumSubAsync(a, room) == 1);
        w = await store.SetGameStateAsync(room, state, 5, null, subscribedHere: false);
        Assert.Equal((1, true), (w.ChannelSubscribers, w.Published));

        // A store without the node's bus id publishes nothing itself: the relay does.
        w = await new RedisRelayStore(a.Connection).SetGameStateAsync(room, state, 6, null, subscribedHere: false);
        Assert.Equal((1, false), (w.ChannelSubscribers, w.Published));
    }

    [Fact]
    public async Task A_burst_of_thousands_of_messages_across_rooms_arrives_complete_and_in_order_per_room()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var rooms = Enumerable.Range(0, 4).Select(_ => RedisTestServer.NewCode()).ToArray();
        foreach (var room in rooms)
        {
            await b.Bus.Subscribe(room);
        }

        const int PerRoom = 1500;
        for (var i = 0; i < PerRoom; i++)
        {
            foreach (var room in rooms)
            {
                a.Bus.Publish(room, Deliver(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        var next = rooms.ToDictionary(r => r, _ => 0);
        for (var n = 0; n < PerRoom * rooms.Length; n++)
        {
            var m = await b.NextAsync();
            Assert.Equal(next[m.Room]++.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Packet);
        }

        Assert.All(rooms, r => Assert.Equal(PerRoom, next[r]));
        Assert.Equal(0, b.Bus.DroppedCount);
    }

    [Fact]
    public async Task In_a_burst_messages_leave_the_reader_thread_and_keep_their_order_per_room_and_a_calm_one_stays_on_it()
    {
        await using var nodes = await TwoNodesAsync();
        var (_, a, b) = nodes;
        var rooms = new[] { await SubscribedRoomAsync(b), await SubscribedRoomAsync(b), await SubscribedRoomAsync(b) };
        using var gate = new ManualResetEventSlim(false);
        b.BlockOn = ("block", gate);

        // The first message holds the delivering thread; meanwhile a backlog builds up behind it (the delay only gives Redis
        // time to send it: whatever part arrived, several whole messages are buffered at once when the reader goes on).
        a.Bus.Publish(rooms[0], Deliver("block"));
        const int PerRoom = 300;
        for (var i = 0; i < PerRoom; i++)
        {
            foreach (var room in rooms)
            {
                a.Bus.Publish(room, Deliver(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        await Task.Delay(500);
        gate.Set();

        // Per room, in publication order ("block" is the first room's first message); rooms may interleave.
        var next = rooms.ToDictionary(r => r, r => r == rooms[0] ? -1 : 0);
        for (var n = 0; n < (PerRoom * rooms.Length) + 1; n++)
        {
            var m = await b.NextAsync();
            var expected = next[m.Room]++;
            Assert.Equal(expected < 0 ? "block" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Packet);
        }

        if (FastSubscriber)
        {
            Assert.True(b.Elsewhere > 0, "no message of the burst left the reader thread");

            // At a calm rate (the lanes drained), a message is delivered on the reader thread itself.
            var before = b.OnReader;
            a.Bus.Publish(rooms[1], Deliver("calm"));
            Assert.Equal("calm", (await b.NextAsync()).Packet);
            Assert.Equal(before + 1, b.OnReader);
        }
    }

    [Fact]
    public async Task The_fast_subscribers_socket_is_never_watched_by_the_runtimes_socket_engine()
    {
        // Its reader polls and receives itself (and SUBSCRIBE is a synchronous send): an asynchronous operation would register
        // the socket with the runtime's epoll, whose thread would then wake on every message for nothing.
        await using var nodes = await TwoNodesAsync();
        var (_, a, b) = nodes;
        var room = await SubscribedRoomAsync(b);
        a.Bus.Publish(room, Deliver("one"));
        Assert.Equal("one", (await b.NextAsync()).Packet);

        var fd = b.Bus.FastSubscriberDescriptor;
        Assert.Equal(FastSubscriber, fd >= 0);
        Assert.NotEmpty(EpollSets.WatchedDescriptors().Keys);
        Assert.Equal((Loops: FastSubscriber && ReadOnLoop ? 1 : 0, Others: 0), EpollSets.Watching(fd));
    }

    [Fact]
    public async Task A_message_larger_than_the_receive_buffer_arrives_whole_and_the_next_ones_after_it()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = await SubscribedRoomAsync(b);

        // 64 KiB is the reader's buffer: 300 KiB spans several receives and grows it; small ones before and after share receives.
        var big = string.Concat(Enumerable.Range(0, 300 * 1024 / 16).Select(i => i.ToString("D15", System.Globalization.CultureInfo.InvariantCulture) + "."));
        a.Bus.Publish(room, Deliver("before"));
        a.Bus.Publish(room, Deliver(big));
        a.Bus.Publish(room, Deliver("after"));
        a.Bus.Publish(room, Deliver(big + "2"));
        Assert.Equal("before", (await b.NextAsync()).Packet);
        Assert.Equal(big, (await b.NextAsync()).Packet);
        Assert.Equal("after", (await b.NextAsync()).Packet);
        Assert.Equal(big + "2", (await b.NextAsync()).Packet);
    }

    [Fact]
    public async Task When_Redis_kills_the_subscription_connection_every_room_is_subscribed_again_a_gap_reported_and_messages_flow()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var rooms = new[] { RedisTestServer.NewCode(), RedisTestServer.NewCode() };
        foreach (var room in rooms)
        {
            await b.Bus.Subscribe(room);
        }

        Assert.Equal(0, b.Gaps);
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServer(server.Host, server.Port).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        }


        await WaitUntilAsync(() => b.Gaps > 0);
        await WaitUntilAsync(() => rooms.All(b.Bus.IsSubscribed));
        foreach (var room in rooms)
        {
            await WaitUntilAsync(async () => await NumSubAsync(a, room) == 1);
        }

        foreach (var room in rooms)
        {
            a.Bus.Publish(room, Deliver("after-kill"));
            var m = await b.NextAsync();
            Assert.Equal((room, "after-kill"), (m.Room, m.Packet));
        }

        if (FastSubscriber)
        {
            Assert.Equal(1, b.Gaps); // once per reconnection, after every room was re-subscribed
        }
    }

    [Fact]
    public async Task A_message_published_right_after_the_subscription_completes_is_received()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;

        // No waiting beyond the task (which completes on Redis's acknowledgement): each room's first message must arrive.
        for (var i = 0; i < 20; i++)
        {
            var room = RedisTestServer.NewCode();
            await b.Bus.Subscribe(room);
            Assert.True(b.Bus.IsSubscribed(room));
            a.Bus.Publish(room, Deliver("first"));
            var m = await b.NextAsync();
            Assert.Equal((room, "first"), (m.Room, m.Packet));
        }
    }

    [Fact]
    public async Task A_listener_that_throws_does_not_stop_the_delivery_of_later_messages()
    {
        await using var nodes = await TwoNodesAsync();
        var (server, a, b) = nodes;
        var room = RedisTestServer.NewCode();
        await b.Bus.Subscribe(room);
        b.ThrowOn = "boom";

        a.Bus.Publish(room, Deliver("boom"));
        a.Bus.Publish(room, Deliver("after"));
        Assert.Equal("after", (await b.NextAsync()).Packet);
        a.Bus.Publish(room, Deliver("boom"));
        a.Bus.Publish(room, Deliver("still"));
        Assert.Equal("still", (await b.NextAsync()).Packet);
    }

    // A fresh room, subscribed by node.
    private static async Task<RoomCode> SubscribedRoomAsync(Node node)
    {
        var room = RedisTestServer.NewCode();
        await node.Bus.Subscribe(room);
        await WaitUntilAsync(() => node.Bus.IsSubscribed(room));
        return room;
    }

    private async Task<TwoNodes> TwoNodesAsync()
    {
        var server = await RedisServer.StartAsync();
        return new TwoNodes(server, await StartNodeAsync(server, "node-a"), await StartNodeAsync(server, "node-b"));
    }

    // PUBSUB NUMSUB through the node's multiplexer (which sends it on its own subscription connection); -1 while that one
    // is still reconnecting (with the fast subscriber it may come back after the bus's).
    private static async Task<long> NumSubAsync(Node node, RoomCode room)
    {
        try
        {
            var r = await node.Connection.Multiplexer.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", $"room:updates:{room}");
            return (long)((StackExchange.Redis.RedisResult[])r!)[1];
        }
        catch (StackExchange.Redis.RedisConnectionException)
        {
            return -1;
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    // A room whose host ("host-1") is on node a, subscribed there; the stores of both nodes.
    private static async Task<(RedisRelayStore HostSide, RedisRelayStore SenderSide, RoomCode Room)> HostedRoomAsync(Node a, Node b)
    {
        var hostSide = new RedisRelayStore(a.Connection, "node-a");
        var senderSide = new RedisRelayStore(b.Connection, "node-b");
        var room = RedisTestServer.NewCode();
        await hostSide.CreateRoomAsync(room, new RoomConfig("k", "", 0, 0, 1), 1);
        await hostSide.ClaimHostAsync(room, "host-1", "node-a", 2);
        await a.Bus.Subscribe(room);
        await WaitUntilAsync(() => a.Bus.IsSubscribed(room));
        return (hostSide, senderSide, room);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < s_wait, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    /// <summary>One server and two nodes on it, disposed together.</summary>
    private sealed class TwoNodes(RedisServer server, Node a, Node b) : IAsyncDisposable
    {
        public void Deconstruct(out RedisServer s, out Node first, out Node second) => (s, first, second) = (server, a, b);

        public async ValueTask DisposeAsync()
        {
            await b.DisposeAsync();
            await a.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    private sealed class Node : IRoomBusListener, IAsyncDisposable
    {
        private readonly Channel<(RoomCode Room, RoomBusKind Kind, RoomRecipients Recipients, string? Target, string Packet)> _received =
            Channel.CreateUnbounded<(RoomCode, RoomBusKind, RoomRecipients, string?, string)>();

        private Node(RedisConnection connection, RedisRoomBus bus)
        {
            Connection = connection;
            Bus = bus;
            bus.Attach(this);
        }

        public RedisConnection Connection { get; }

        public RedisRoomBus Bus { get; }

        public bool IsEmpty => !_received.Reader.TryPeek(out _);

        public static async Task<Node> StartAsync(RedisStoreOptions options, string nodeId)
        {
            var connection = await RedisConnection.ConnectAsync(options);
            return new Node(connection, new RedisRoomBus(connection, nodeId));
        }

        /// <summary>Gaps reported by the bus.</summary>
        public int Gaps => Volatile.Read(ref _gaps);

        /// <summary>A packet whose delivery waits for the gate (holds the thread delivering it).</summary>
        public (string Packet, ManualResetEventSlim Gate)? BlockOn { get; set; }

        /// <summary>Messages delivered on the fast subscriber's reader thread, and on any other thread.</summary>
        public int OnReader => Volatile.Read(ref _onReader);

        public int Elsewhere => Volatile.Read(ref _elsewhere);

        private int _onReader;
        private int _elsewhere;

        /// <summary>A packet whose delivery throws (a listener bug).</summary>
        public string? ThrowOn { get; set; }

        private int _gaps;

        public void OnBusGap() => Interlocked.Increment(ref _gaps);

        /// <summary>The rev of each packet received (by its text).</summary>
        public ConcurrentDictionary<string, long> RevOf { get; } = new();

        public void OnBusMessage(RoomCode room, in RoomBusMessage message)
        {
            var packet = Encoding.UTF8.GetString(message.Packet.Span);
            if (packet == ThrowOn)
            {
                throw new InvalidOperationException("listener bug");
            }

            if (BlockOn is { } block && block.Packet == packet)
            {
                Assert.True(block.Gate.Wait(s_wait));
            }

            // On the connection's reader: its own thread, or the transport's loop that reads it (not the thread pool).
            var name = Thread.CurrentThread.Name ?? "";
            Interlocked.Increment(ref name == RedisFastSubscriber.ReaderThreadName || name.StartsWith("cndr-epoll-", StringComparison.Ordinal) ? ref _onReader : ref _elsewhere);

            RevOf[packet] = message.Rev;
            _received.Writer.TryWrite((room, message.Kind, message.Recipients, message.Target, packet));
        }

        public async Task<(RoomCode Room, RoomBusKind Kind, RoomRecipients Recipients, string? Target, string Packet)> NextAsync()
        {
            using var cts = new CancellationTokenSource(s_wait);
            return await _received.Reader.ReadAsync(cts.Token);
        }

        public async Task<(RoomCode Room, RoomBusKind Kind, RoomRecipients Recipients, string? Target, string Packet)?> TryNextAsync(TimeSpan wait)
        {
            using var cts = new CancellationTokenSource(wait);
            try
            {
                return await _received.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Bus.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
