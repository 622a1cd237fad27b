using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;
using Cndr.Transport.Internal;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// The store's own RESP connection (REDIS_FAST_PATH) against its own real redis-server: where a reply's continuation runs,
/// what a killed connection, a reply that never comes, a flushed script cache and a server restart do to calls.
/// </summary>
[Collection(ReadinessLoopCollection.Name)]
public sealed class RedisFastConnectionRedisTests
{
    private const long Now = 1_700_000_000_000;
    private static readonly byte[] s_state = Encoding.UTF8.GetBytes("{\"round\":1}");

    private static RedisStoreOptions Options(RedisServer server, bool fastPath = true, int timeoutMs = 3000, bool readOnLoop = true) =>
        new() { Host = server.Host, Port = server.Port, ConnectTimeoutMs = 2000, OperationTimeoutMs = timeoutMs, FastPath = fastPath, ReadOnLoop = readOnLoop };

    [Fact]
    public async Task Without_the_loop_the_replies_are_read_and_continued_on_the_connections_reader_thread()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server, readOnLoop: false));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);

        Assert.Equal(RedisFastConnection.ReaderThreadName, connection.Fast!.ReplyThreadName);
        Assert.Equal(RedisFastConnection.ReaderThreadName, await ThreadAfterSetGameStateAsync(store, code, admin.GetServer(server.Host, server.Port)));
    }

    [Fact]
    public async Task The_code_after_a_store_call_continues_on_the_reader_thread_only_with_the_fast_path()
    {
        await using var server = await RedisServer.StartAsync();
        await using var fast = await RedisConnection.ConnectAsync(Options(server));
        await using var plain = await RedisConnection.ConnectAsync(Options(server, fastPath: false));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var adminServer = admin.GetServer(server.Host, server.Port);
        var code = RedisTestServer.NewCode();
        var fastStore = new RedisRelayStore(fast);
        await fastStore.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);

        // No synchronization context inside Task.Run: the continuation runs where the reply was completed.
        Assert.StartsWith("cndr-epoll-", fast.Fast!.ReplyThreadName); // read on the transport's loop by default
        Assert.Equal(fast.Fast.ReplyThreadName, await ThreadAfterSetGameStateAsync(fastStore, code, adminServer));
        Assert.NotEqual(fast.Fast.ReplyThreadName, await ThreadAfterSetGameStateAsync(new RedisRelayStore(plain), code, adminServer));
        Assert.Null(plain.Fast);
    }

    [Fact]
    public async Task A_burst_of_replies_continues_on_the_thread_pool_except_its_tail_and_every_call_gets_its_own_reply()
    {
        await using var server = await RedisServer.StartAsync();
        await using var fast = await RedisConnection.ConnectAsync(Options(server));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var adminServer = admin.GetServer(server.Host, server.Port);
        var store = new RedisRelayStore(fast);
        var codes = Enumerable.Range(0, 20).Select(_ => RedisTestServer.NewCode()).ToArray();
        for (var i = 0; i < codes.Length; i++)
        {
            await store.CreateRoomAsync(codes[i], new RoomConfig("k", "", 0, 0, 1), Now);
            for (var n = 0; n < i % 3; n++)
            {
                await store.SetGameStateAsync(codes[i], s_state, Now); // room i is at rev i % 3
            }
        }

        // Replies held back by the pause arrive together: one burst for the reader.
        await adminServer.ExecuteAsync("CLIENT", "PAUSE", "300", "WRITE");
        var results = await Task.WhenAll(codes.Select((code, i) => Task.Run(async () =>
        {
            var written = await store.SetGameStateAsync(code, s_state, Now);
            return (written.Rev, Expected: (long)(i % 3) + 1, Thread: Thread.CurrentThread.Name ?? "");
        })));

        Assert.All(results, r => Assert.Equal(r.Expected, r.Rev));
        Assert.Contains(results, r => r.Thread != fast.Fast!.ReplyThreadName);

        // At a calm rate again, the continuation runs where the replies are read.
        Assert.Equal(fast.Fast!.ReplyThreadName, await ThreadAfterSetGameStateAsync(store, codes[0], adminServer));
    }

    [Fact]
    public async Task The_fast_connections_socket_is_never_watched_by_the_runtimes_socket_engine()
    {
        // A socket that ran one asynchronous operation stays registered with the runtime's epoll for reads and writes, and
        // its engine thread then wakes (with a pool worker) on every reply and every acknowledged write. The reader polls
        // and receives itself, so the socket must be in no epoll set of the process: not after connecting, not after a
        // burst of calls, and not after Redis pushed back on a big write.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server));
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
        var big = new byte[4 * 1024 * 1024];
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => store.SetGameStateAsync(code, i % 50 == 0 ? big : s_state, Now).AsTask()));

        var fd = connection.Fast!.SocketDescriptor;
        Assert.True(fd >= 0);
        Assert.NotEmpty(EpollSets.WatchedDescriptors().Keys); // the runtime's engine (the multiplexer's sockets) is there to be looked at
        Assert.Equal((Loops: 1, Others: 0), EpollSets.Watching(fd)); // the transport's loop reads it, nothing else watches it
    }

    [Fact]
    public async Task Script_calls_go_over_the_fast_connection_as_one_EVALSHA_each()
    {
        await using var room = await FastRoom.StartAsync();
        var (server, connection, admin, store, code) = (room.Server, room.Connection, room.Admin, room.Store, room.Code);
        await store.SetGameStateAsync(code, s_state, Now);

        var client = await FastClientAsync(admin, server, connection);
        Assert.Equal("evalsha", client.LastCommand);
    }

    [Fact]
    public async Task A_room_bus_publication_goes_over_the_fast_connection_without_a_reply_and_reaches_other_subscribers_in_order()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await using var bus = new RedisRoomBus(connection, "node-a");
        var code = RedisTestServer.NewCode();
        var received = new List<long>();
        var all = new TaskCompletionSource();
        var queue = await admin.GetSubscriber().SubscribeAsync(connection.Keys.For(code).Updates);
        queue.OnMessage(m =>
        {
            Assert.True(RoomBusCodec.TryDecode((ReadOnlyMemory<byte>)m.Message, out _, out var message));
            lock (received)
            {
                received.Add(message.Rev);
                if (received.Count == 50)
                {
                    all.TrySetResult();
                }
            }
        });

        // Script calls between the publications still get their own replies: a publication asks for none.
        var store = new RedisRelayStore(connection);
        var room = RedisTestServer.NewCode();
        await store.CreateRoomAsync(room, new RoomConfig("k", "", 0, 0, 1), Now);
        var before = await CommandCallsAsync(admin, server, "client|reply");
        for (var rev = 1; rev <= 50; rev++)
        {
            bus.Publish(code, new RoomBusMessage(RoomBusKind.Deliver, RoomRecipients.Players, null, s_state, rev));
            Assert.Equal(rev, (await store.SetGameStateAsync(room, s_state, Now)).Rev);
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(1, 50).Select(r => (long)r), received);
        Assert.Equal(50, await CommandCallsAsync(admin, server, "client|reply") - before); // CLIENT REPLY SKIP before each
        Assert.Equal("evalsha", (await FastClientAsync(admin, server, connection)).LastCommand);
    }

    [Fact]
    public async Task A_joins_note_in_the_nodes_room_set_goes_over_the_fast_connection_without_a_reply()
    {
        await using var room = await FastRoom.StartAsync();
        var (server, admin, store, code) = (room.Server, room.Admin, room.Store, room.Code);
        var before = await CommandCallsAsync(admin, server, "client|reply");
        for (var i = 0; i < 5; i++)
        {
            var joined = await store.JoinAudienceAsync(code, new AudienceJoin($"conn-{i}", "node-fast", default, Now));
            Assert.Equal(JoinOutcome.Joined, joined.Outcome);
        }

        Assert.Equal([code.ToString()], (await admin.GetDatabase().SetMembersAsync("nodes:rooms:node-fast")).Select(v => (string)v!));
        Assert.Equal(5, await CommandCallsAsync(admin, server, "client|reply") - before); // one skipped reply per join's SADD
        Assert.Equal(5, await CommandCallsAsync(admin, server, "sadd"));
    }

    [Fact]
    public async Task Calls_made_inside_a_threads_write_batch_leave_when_it_closes_in_order()
    {
        // The epoll thread and the reader wrap each wake-up's work in a batch: what it writes to Redis goes out at its end.
        await using var room = await FastRoom.StartAsync();
        var (first, second) = TwoCallsInOneBatch(room.Store, room.Code);
        var written = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1L, 2L], written.Select(w => w.Rev));

        // Outside a batch a call leaves at once.
        Assert.Equal(3L, (await room.Store.SetGameStateAsync(room.Code, s_state, Now).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Rev);
    }

    // On one thread from Open to Close (a batch is its thread's): two calls, then 300 ms in which neither may leave.
    private static (Task<StateWriteResult> First, Task<StateWriteResult> Second) TwoCallsInOneBatch(RedisRelayStore store, RoomCode code)
    {
        WriteBatch.Open();
        try
        {
            var first = store.SetGameStateAsync(code, s_state, Now).AsTask();
            var second = store.SetGameStateAsync(code, s_state, Now).AsTask();
            Thread.Sleep(300);
            Assert.False(first.IsCompleted || second.IsCompleted, "a call left before its batch closed");
            return (first, second);
        }
        finally
        {
            WriteBatch.Close();
        }
    }

    // A server, a connection with the fast path, an admin multiplexer, the store and a created room.
    private sealed class FastRoom : IAsyncDisposable
    {
        public required RedisServer Server { get; init; }

        public required RedisConnection Connection { get; init; }

        public required ConnectionMultiplexer Admin { get; init; }

        public required RedisRelayStore Store { get; init; }

        public required RoomCode Code { get; init; }

        public static async Task<FastRoom> StartAsync()
        {
            var server = await RedisServer.StartAsync();
            var connection = await RedisConnection.ConnectAsync(Options(server));
            var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
            var store = new RedisRelayStore(connection);
            var code = RedisTestServer.NewCode();
            await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
            return new FastRoom { Server = server, Connection = connection, Admin = admin, Store = store, Code = code };
        }

        public async ValueTask DisposeAsync()
        {
            await Admin.DisposeAsync();
            await Connection.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    // calls=N of one command in INFO commandstats.
    private static async Task<long> CommandCallsAsync(ConnectionMultiplexer admin, RedisServer server, string command)
    {
        var info = await admin.GetServer(server.Host, server.Port).InfoRawAsync("commandstats") ?? "";
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var calls = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..];
        return long.Parse(calls[..calls.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Killing_the_fast_connection_fails_its_pending_calls_as_unavailable_and_later_calls_succeed(bool readOnLoop)
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server, readOnLoop: readOnLoop));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var adminServer = admin.GetServer(server.Host, server.Port);
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
        var client = await FastClientAsync(admin, server, connection);

        // Scripts wait while writes are paused: the calls stay pending until the connection is killed.
        await adminServer.ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        try
        {
            var pending = Enumerable.Range(0, 5).Select(i => store.SetGameStateAsync(code, s_state, Now + i).AsTask()).ToList();
            await adminServer.ExecuteAsync("CLIENT", "KILL", "ID", client.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var call in pending)
            {
                await Assert.ThrowsAsync<StoreUnavailableException>(() => call);
            }
        }
        finally
        {
            await adminServer.ExecuteAsync("CLIENT", "UNPAUSE");
        }

        // Later calls succeed (on the multiplexer until the fast connection is back, then on it again).
        Assert.Equal(StateWriteOutcome.Written, (await store.SetGameStateAsync(code, s_state, Now)).Outcome);
        await WaitUntilAsync(() => connection.Fast!.IsConnected && connection.Fast.ReconnectCount >= 1);
        Assert.Equal(connection.Fast!.ReplyThreadName, await ThreadAfterSetGameStateAsync(store, code, adminServer));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_reply_that_never_comes_fails_the_call_after_the_operation_timeout_and_resets_the_connection(bool readOnLoop)
    {
        await using var server = await RedisServer.StartAsync();
        // 1.5 s: three times the longest a test of this collection holds the loop's thread (500 ms), so that on a busy machine no call made before the pause times out.
        await using var connection = await RedisConnection.ConnectAsync(Options(server, timeoutMs: 1500, readOnLoop: readOnLoop));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var adminServer = admin.GetServer(server.Host, server.Port);
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);

        await adminServer.ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        StoreUnavailableException failure;
        try
        {
            failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.SetGameStateAsync(code, s_state, Now).AsTask());
        }
        finally
        {
            await adminServer.ExecuteAsync("CLIENT", "UNPAUSE");
        }

        Assert.IsType<TimeoutException>(failure.InnerException);
        await WaitUntilAsync(() => connection.Fast!.IsConnected && connection.Fast.ReconnectCount >= 1);
        Assert.Equal(StateWriteOutcome.Written, (await store.SetGameStateAsync(code, s_state, Now)).Outcome);
    }

    [Fact]
    public async Task After_SCRIPT_FLUSH_calls_succeed_by_sending_the_script_text_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();
        await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now);
        Assert.Equal(1, (await store.SetGameStateAsync(code, s_state, Now)).Rev);
        var before = connection.Fast!.NoScriptRetryCount;

        await admin.GetServer(server.Host, server.Port).ScriptFlushAsync();

        Assert.Equal(2, (await store.SetGameStateAsync(code, s_state, Now)).Rev);
        Assert.Equal(3, (await store.SetGameStateAsync(code, s_state, Now)).Rev);
        Assert.Equal(before + 1, connection.Fast.NoScriptRetryCount);
        store.TouchActivity(code, Now + 5_000); // fire-and-forget: its NOSCRIPT is retried too, before the next call's retry
        Assert.Empty(await store.PeekToHostAsync(code, 10, int.MaxValue));
        Assert.Equal(Now + 5_000, (long)await admin.GetDatabase().HashGetAsync($"room:state:{code}", "lastActivity"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_server_restart_the_fast_connection_comes_back_and_carries_the_calls_again(bool readOnLoop)
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(Options(server, readOnLoop: readOnLoop));
        var store = new RedisRelayStore(connection);
        var code = RedisTestServer.NewCode();

        server.Kill();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.SetGameStateAsync(code, s_state, Now).AsTask());
        await server.RestartAsync();

        await WaitUntilAsync(() => connection.Fast!.IsConnected);
        Assert.Equal(CreateRoomOutcome.Created, await store.CreateRoomAsync(code, new RoomConfig("k", "", 0, 0, 1), Now));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        Assert.Equal(connection.Fast!.ReplyThreadName, await ThreadAfterSetGameStateAsync(store, code, admin.GetServer(server.Host, server.Port)));
    }

    // Writes are paused for a moment first, so the reply surely comes after the caller awaits (a reply that is already there
    // when the caller looks continues synchronously on the caller's thread, which is no hop either).
    private static async Task<string> ThreadAfterSetGameStateAsync(RedisRelayStore store, RoomCode code, IServer admin)
    {
        await admin.ExecuteAsync("CLIENT", "PAUSE", "200", "WRITE");
        return await Task.Run(async () =>
        {
            var result = await store.SetGameStateAsync(code, s_state, Now);
            Assert.Equal(StateWriteOutcome.Written, result.Outcome);
            return Thread.CurrentThread.Name ?? "";
        });
    }

    private static async Task<StackExchange.Redis.ClientInfo> FastClientAsync(ConnectionMultiplexer admin, RedisServer server, RedisConnection connection)
    {
        var clients = await admin.GetServer(server.Host, server.Port).ClientListAsync();
        return Assert.Single(clients, c => c.Name == connection.Fast!.ClientName);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(50);
        }
    }
}
