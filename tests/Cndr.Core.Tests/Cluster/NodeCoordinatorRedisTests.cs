using Cndr.Core.Cluster;
using Cndr.Core.Store;
using Cndr.Core.Store.Redis;
using Cndr.Testing;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Cluster;

public sealed class NodeCoordinatorRedisTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static CoordinatorOptions Fast() => new() { HeartbeatIntervalMs = 50, NodeTimeoutMs = 400, CleanupIntervalMs = 60_000, InactiveRoomThresholdMs = 60_000 };

    [Fact]
    public async Task StartRegistersTheNodeInBothKeys()
    {
        await using var a = new NodeCoordinator("node-a", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await a.StartAsync();

        var db = _mux.GetDatabase();
        Assert.NotNull(await db.SortedSetScoreAsync("nodes:registry", "node-a"));
        Assert.True(await db.HashExistsAsync("nodes:heartbeat", "node-a"));
        Assert.True(a.IsRegistered);
        Assert.True(a.IsPrimary);
    }

    [Fact]
    public async Task EarliestNodeIsPrimaryAndTheNextTakesOverWhenItStops()
    {
        var a = new NodeCoordinator("node-a", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await a.StartAsync();
        await Task.Delay(5);
        await using var b = new NodeCoordinator("node-b", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await b.StartAsync();

        Assert.True(a.IsPrimary);
        Assert.False(b.IsPrimary);
        Assert.Equal("node-a", b.CurrentPrimary);

        await a.DisposeAsync(); // graceful stop: removes itself from both keys
        var db = _mux.GetDatabase();
        Assert.Null(await db.SortedSetScoreAsync("nodes:registry", "node-a"));
        Assert.False(await db.HashExistsAsync("nodes:heartbeat", "node-a"));

        await WaitUntilAsync(() => b.IsPrimary);
        Assert.Equal("node-b", b.CurrentPrimary);
    }

    [Fact]
    public async Task DeadPrimaryIsReplacedAndRemovedWithoutCoordination()
    {
        var db = _mux.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // A node that registered first and then died: its heartbeat stops.
        await db.SortedSetAddAsync("nodes:registry", "dead-node", now - 10_000);
        await db.HashSetAsync("nodes:heartbeat", "dead-node", (now - 10_000).ToString(System.Globalization.CultureInfo.InvariantCulture));

        await using var b = new NodeCoordinator("node-b", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await b.StartAsync();
        Assert.True(b.IsPrimary);

        // One pass suffices; retried only because a loaded machine may time a Redis call out.
        await WaitUntilAsync(async () =>
        {
            await b.RunMaintenanceOnceAsync();
            return await db.SortedSetScoreAsync("nodes:registry", "dead-node") is null;
        });
        Assert.False(await db.HashExistsAsync("nodes:heartbeat", "dead-node"));
    }

    [Fact]
    public async Task NodeReRegistersAfterRedisLostItsData()
    {
        await using var a = new NodeCoordinator("node-a", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await a.StartAsync();
        var db = _mux.GetDatabase();
        await db.KeyDeleteAsync(["nodes:registry", "nodes:heartbeat"]);

        await WaitUntilAsync(async () => await db.SortedSetScoreAsync("nodes:registry", "node-a") is not null);
        Assert.True(await db.HashExistsAsync("nodes:heartbeat", "node-a"));
    }

    [Fact]
    public async Task NodeSurvivesARedisRestartAndRegistersAgain()
    {
        await using var a = new NodeCoordinator("node-a", new RedisNodeRegistry(_mux), new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await a.StartAsync();

        _redis.Kill();
        await WaitUntilAsync(() => !a.IsRegistered);
        await _redis.RestartAsync();

        await WaitUntilAsync(() => a.IsRegistered && a.IsPrimary, timeoutMs: 15_000);
        Assert.NotNull(await _mux.GetDatabase().SortedSetScoreAsync("nodes:registry", "node-a"));
    }

    [Fact]
    public async Task PrimaryClosesInactiveRoomsAndLeavesActiveAndNeverActivatedOnes()
    {
        var store = new EmbeddedRelayStore();
        var closer = new RecordingCloser();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RoomCode.TryParse("OLD111", out var old);
        RoomCode.TryParse("NEW222", out var fresh);
        var cfg = new RoomConfig("key", "", 0, 0, now / 1000);
        await store.CreateRoomAsync(old, cfg, now - 120_000);
        await store.CreateRoomAsync(fresh, cfg, now);
        await store.SetGameStateAsync(old, "{}"u8.ToArray(), now - 120_000);
        await store.SetGameStateAsync(fresh, "{}"u8.ToArray(), now);
        RoomCode.TryParse("NEVER3", out var never);
        await store.CreateRoomAsync(never, cfg, now - 120_000); // created long ago, never used

        var options = Fast();
        options.InactiveRoomThresholdMs = 60_000;
        await using var a = new NodeCoordinator("node-a", new InMemoryNodeRegistry(), store, closer, options);
        await a.StartAsync();

        var closed = await a.RunMaintenanceOnceAsync();
        Assert.Equal(1, closed);
        Assert.Equal([("OLD111", "inactive")], closer.Closed);
    }

    [Fact]
    public async Task NonPrimaryNodeClosesNothing()
    {
        var store = new EmbeddedRelayStore();
        var closer = new RecordingCloser();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RoomCode.TryParse("OLD111", out var old);
        await store.CreateRoomAsync(old, new RoomConfig("key", "", 0, 0, 0), now - 120_000);
        await store.SetGameStateAsync(old, "{}"u8.ToArray(), now - 120_000);

        var registry = new InMemoryNodeRegistry();
        await using var first = new NodeCoordinator("node-a", registry, store, new RecordingCloser(), Fast());
        await first.StartAsync();
        await Task.Delay(5);
        var options = Fast();
        options.InactiveRoomThresholdMs = 60_000;
        await using var second = new NodeCoordinator("node-b", registry, store, closer, options);
        await second.StartAsync();

        Assert.Equal(0, await second.RunMaintenanceOnceAsync());
        Assert.Empty(closer.Closed);
    }

    [Fact]
    public async Task A_round_that_fails_unexpectedly_does_not_end_the_loop()
    {
        var registry = new FlakyRegistry(new RedisNodeRegistry(_mux));
        await using var a = new NodeCoordinator("node-a", registry, new EmbeddedRelayStore(), new RecordingCloser(), Fast());
        await a.StartAsync();
        Assert.True(a.IsRegistered);

        // Errors the registry does not classify as an outage (before: CLUSTERDOWN from a restarting cluster) escape a round.
        Interlocked.Exchange(ref registry.FailuresLeft, 3);
        await WaitUntilAsync(() => Volatile.Read(ref registry.FailuresLeft) == 0);
        var after = Volatile.Read(ref registry.Beats);
        await WaitUntilAsync(() => Volatile.Read(ref registry.Beats) > after + 2); // the loop still beats
        Assert.True(a.IsRegistered);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 5_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int timeoutMs = 5_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }

    /// <summary>A registry whose next <see cref="FailuresLeft"/> heartbeats throw an error that is not an outage.</summary>
    private sealed class FlakyRegistry(INodeRegistry inner) : INodeRegistry
    {
        public int FailuresLeft;
        public int Beats;

        public ValueTask RegisterAsync(string nodeId, long nowMs) => inner.RegisterAsync(nodeId, nowMs);

        public ValueTask HeartbeatAsync(string nodeId, long nowMs)
        {
            if (Volatile.Read(ref FailuresLeft) > 0 && Interlocked.Decrement(ref FailuresLeft) >= 0)
            {
                throw new InvalidOperationException("not an outage");
            }

            Interlocked.Increment(ref Beats);
            return inner.HeartbeatAsync(nodeId, nowMs);
        }

        public ValueTask<IReadOnlyList<NodeEntry>> ListAsync() => inner.ListAsync();

        public ValueTask RemoveAsync(string nodeId) => inner.RemoveAsync(nodeId);

        public ValueTask PublishStatusAsync(string nodeId, ReadOnlyMemory<byte> status) => inner.PublishStatusAsync(nodeId, status);

        public ValueTask<IReadOnlyDictionary<string, ReadOnlyMemory<byte>>> ListStatusAsync() => inner.ListStatusAsync();
    }

    private sealed class RecordingCloser : IRoomCloser
    {
        public List<(string Code, string Reason)> Closed { get; } = [];

        public ValueTask<bool> CloseRoomAsync(RoomCode code, string reason)
        {
            lock (Closed)
            {
                Closed.Add((code.ToString(), reason));
            }

            return ValueTask.FromResult(true);
        }
    }
}
