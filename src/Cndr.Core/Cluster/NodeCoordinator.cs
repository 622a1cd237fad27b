using Cndr.Core.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cndr.Core.Cluster;

/// <summary>
/// A node's part in the cluster: registers the node, sends heartbeats, works out independently whether it is
/// the primary (earliest registered node with a live heartbeat) and, while it is, removes stale nodes and
/// closes inactive rooms. One background loop per node; no lock, no leader election protocol.
/// </summary>
public sealed partial class NodeCoordinator : IAsyncDisposable
{
    private readonly INodeRegistry _registry;
    private readonly IRelayStore _store;
    private readonly IRoomCloser _closer;
    private readonly CoordinatorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private Task? _loop;
    private IClusterListener? _listener;
    private volatile string? _primary;
    private volatile bool _registered;
    private bool _reportedUnavailable;
    private int _registeredCount;
    private int _activeCount;

    public NodeCoordinator(string nodeId, INodeRegistry registry, IRelayStore store, IRoomCloser closer, CoordinatorOptions options, ILogger<NodeCoordinator>? logger = null, TimeProvider? time = null)
    {
        NodeId = nodeId;
        _registry = registry;
        _store = store;
        _closer = closer;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string NodeId { get; }

    /// <summary>True once the node's registration reached the registry (false again while it cannot).</summary>
    public bool IsRegistered => _registered;

    /// <summary>The primary this node last computed (null when unknown).</summary>
    public string? CurrentPrimary => _primary;

    /// <summary>True while this node computes itself as the primary.</summary>
    public bool IsPrimary => _primary == NodeId;

    /// <summary>Nodes in the registry when it was last read.</summary>
    public int RegisteredNodeCount => Volatile.Read(ref _registeredCount);

    /// <summary>Nodes with a live heartbeat when the registry was last read.</summary>
    public int ActiveNodeCount => Volatile.Read(ref _activeCount);

    /// <summary>Sets the relay to notify of dead-node releases and to ask about its rooms (call before <see cref="StartAsync"/>).</summary>
    public void Attach(IClusterListener listener) => _listener = listener;

    /// <summary>Registers (best effort: an unreachable registry is retried by the loop) and starts the loop.</summary>
    public async Task StartAsync()
    {
        await BeatAsync().ConfigureAwait(false);
        await RefreshPrimaryAsync().ConfigureAwait(false);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Asks the loop to heartbeat and re-elect now (e.g. after Redis came back).</summary>
    public void Nudge()
    {
        if (_nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already nudged.
            }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var now = Now();
        var nextBeat = now + _options.HeartbeatIntervalMs;
        var nextCleanup = now + _options.CleanupIntervalMs;
        var nextRoomCheck = now + _options.RoomCheckIntervalMs;
        while (!ct.IsCancellationRequested)
        {
            var wait = Math.Max(1, Math.Min(Math.Min(nextBeat, nextCleanup), nextRoomCheck) - Now());
            var nudged = false;
            try
            {
                nudged = await _nudge.WaitAsync(TimeSpan.FromMilliseconds(wait), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            now = Now();
            try
            {
                if (nudged || now >= nextBeat)
                {
                    nextBeat = now + _options.HeartbeatIntervalMs;
                    await BeatAsync().ConfigureAwait(false);
                    await RefreshPrimaryAsync().ConfigureAwait(false);
                }

                if (nudged || now >= nextRoomCheck)
                {
                    nextRoomCheck = now + _options.RoomCheckIntervalMs;
                    await CheckLocalRoomsAsync().ConfigureAwait(false);
                }

                if (now >= nextCleanup)
                {
                    nextCleanup = now + _options.CleanupIntervalMs;
                    await RunMaintenanceOnceAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The loop is the node's registration: an unforeseen error ends this round, never the loop (the next
                // round beats again), or the node would stay unregistered for good.
                Log.LoopFailed(_logger, ex, NodeId);
            }
        }
    }

    private async Task BeatAsync()
    {
        try
        {
            var wasRegistered = _registered;
            await _registry.HeartbeatAsync(NodeId, Now()).ConfigureAwait(false);
            _registered = true;
            _reportedUnavailable = false;
            if (!wasRegistered)
            {
                Log.NodeRegistered(_logger, "node_registered", NodeId);
            }
            else
            {
                Log.NodeHeartbeat(_logger, "node_heartbeat", NodeId);
            }
        }
        catch (StoreUnavailableException ex)
        {
            _registered = false;
            if (!_reportedUnavailable)
            {
                _reportedUnavailable = true;
                Log.RegistryUnavailable(_logger, NodeId, ex.Message);
            }
        }
    }

    private async Task<IReadOnlyList<NodeEntry>?> RefreshPrimaryAsync()
    {
        try
        {
            var nodes = await _registry.ListAsync().ConfigureAwait(false);
            var now = Now();
            var primary = PrimaryElection.Elect(nodes, now, _options.NodeTimeoutMs);
            Volatile.Write(ref _registeredCount, nodes.Count);
            Volatile.Write(ref _activeCount, nodes.Count(n => PrimaryElection.IsAlive(n, now, _options.NodeTimeoutMs)));
            var previous = _primary;
            _primary = primary;
            if (primary is not null && primary != previous)
            {
                Log.PrimaryElected(_logger, "primary_node_elected", primary, primary == NodeId);
            }

            return nodes;
        }
        catch (StoreUnavailableException)
        {
            _primary = null;
            return null;
        }
    }

    /// <summary>
    /// One maintenance pass: re-elect, and when this node is the primary remove stale nodes and close every
    /// activated room whose <c>lastActivity</c> is older than the threshold (reason <c>inactive</c>).
    /// Returns the number of rooms closed.
    /// </summary>
    public async Task<int> RunMaintenanceOnceAsync()
    {
        var nodes = await RefreshPrimaryAsync().ConfigureAwait(false);
        if (nodes is null || !IsPrimary)
        {
            return 0;
        }

        var now = Now();
        foreach (var n in nodes)
        {
            if (n.NodeId != NodeId && !PrimaryElection.IsAlive(n, now, _options.NodeTimeoutMs))
            {
                try
                {
                    // Release first: a failure leaves the node listed, so the next pass retries.
                    var released = await _store.ReleaseNodeAsync(n.NodeId, now).ConfigureAwait(false);
                    foreach (var r in released)
                    {
                        _listener?.OnNodeReleased(r);
                    }

                    await _registry.RemoveAsync(n.NodeId).ConfigureAwait(false);
                    Log.StaleNodeRemoved(_logger, "stale_node_removed", n.NodeId, n.LastHeartbeatMs ?? 0);
                    if (released.Count > 0)
                    {
                        Log.DeadNodeReleased(_logger, "dead_node_released", n.NodeId, released.Count);
                    }
                }
                catch (StoreUnavailableException)
                {
                    return 0;
                }
            }
        }

        IReadOnlyList<RoomActivity> rooms;
        try
        {
            rooms = await _store.ListRoomsAsync().ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return 0;
        }

        var closed = 0;
        foreach (var room in rooms)
        {
            var idleMs = now - room.LastActivityMs;
            if (idleMs < _options.InactiveRoomThresholdMs)
            {
                continue;
            }

            try
            {
                if (await _closer.CloseRoomAsync(room.Code, "inactive").ConfigureAwait(false))
                {
                    closed++;
                    Log.RoomCleanup(_logger, "room_cleanup", room.Code.ToString(), idleMs);
                }
            }
            catch (StoreUnavailableException)
            {
                break;
            }
        }

        return closed;
    }

    /// <summary>
    /// Checks that every room this node serves still exists in the store (one round trip); a room that vanished
    /// without being closed (Redis lost its data: FLUSHALL, failover to an empty replica) is closed here as lost.
    /// </summary>
    public async Task CheckLocalRoomsAsync()
    {
        var codes = _listener?.LocalRooms();
        if (codes is null || codes.Count == 0)
        {
            return;
        }

        bool[] exist;
        try
        {
            exist = await _store.RoomsExistAsync(codes).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return; // unreachable is not lost: look again when it answers
        }

        for (var i = 0; i < exist.Length; i++)
        {
            if (!exist[i])
            {
                Log.RoomLost(_logger, "room_lost", codes[i].ToString());
                _listener!.OnRoomLost(codes[i]);
            }
        }
    }

    /// <summary>Stops the loop and removes this node from both node keys (best effort).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        try
        {
            await _registry.RemoveAsync(NodeId).ConfigureAwait(false);
            Log.NodeDeregistered(_logger, "node_deregistered", NodeId);
        }
        catch (StoreUnavailableException)
        {
            // The registry is gone: the primary's stale-node cleanup removes us later.
        }

        _registered = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _nudge.Dispose();
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "{event} node {nodeId}")]
        public static partial void NodeRegistered(ILogger logger, string @event, string nodeId);

        [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "{event} node {nodeId}")]
        public static partial void NodeHeartbeat(ILogger logger, string @event, string nodeId);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{event} node {nodeId} (this node: {isSelf})")]
        public static partial void PrimaryElected(ILogger logger, string @event, string nodeId, bool isSelf);

        [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "{event} node {nodeId}, last heartbeat {lastHeartbeatMs}")]
        public static partial void StaleNodeRemoved(ILogger logger, string @event, string nodeId, long lastHeartbeatMs);

        [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{event} room {roomCode} idle {idleMs} ms")]
        public static partial void RoomCleanup(ILogger logger, string @event, string roomCode, long idleMs);

        [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "{event} node {nodeId}")]
        public static partial void NodeDeregistered(ILogger logger, string @event, string nodeId);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "node {nodeId} cannot reach the node registry: {error}")]
        public static partial void RegistryUnavailable(ILogger logger, string nodeId, string error);

        [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "{event} node {nodeId}: its hosts, players and audience released in {rooms} rooms")]
        public static partial void DeadNodeReleased(ILogger logger, string @event, string nodeId, int rooms);

        [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "{event} room {roomCode}: gone from the store while served here, closed")]
        public static partial void RoomLost(ILogger logger, string @event, string roomCode);

        [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "node {nodeId}: a coordinator round failed; the next round goes on")]
        public static partial void LoopFailed(ILogger logger, Exception exception, string nodeId);
    }
}
