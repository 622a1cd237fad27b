using System.Globalization;
using Cndr.Core.Cluster;
using StackExchange.Redis;

namespace Cndr.Core.Store.Redis;

/// <summary>
/// <c>nodes:registry</c> and <c>nodes:heartbeat</c> in Redis (docs/ARCHITECTURE.md, "Redis schema").
/// Each call is one pipelined round trip.
/// </summary>
internal sealed class RedisNodeRegistry(IConnectionMultiplexer redis, RedisKeys? keys = null) : INodeRegistry
{
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly RedisKeys _keys = keys ?? RedisKeys.Standalone;

    public ValueTask RegisterAsync(string nodeId, long nowMs) => HeartbeatAsync(nodeId, nowMs);

    public async ValueTask HeartbeatAsync(string nodeId, long nowMs)
    {
        var db = _redis.GetDatabase();
        try
        {
            // NX keeps the first registration time (primacy); a node removed as stale is registered anew.
            var add = db.SortedSetAddAsync(_keys.NodeRegistry, nodeId, nowMs, SortedSetWhen.NotExists);
            var beat = db.HashSetAsync(_keys.NodeHeartbeat, nodeId, nowMs.ToString(CultureInfo.InvariantCulture));
            await Task.WhenAll(add, beat).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw new StoreUnavailableException("Redis is unreachable", ex);
        }
    }

    public async ValueTask<IReadOnlyList<NodeEntry>> ListAsync()
    {
        var db = _redis.GetDatabase();
        try
        {
            var nodesTask = db.SortedSetRangeByRankWithScoresAsync(_keys.NodeRegistry);
            var beatsTask = db.HashGetAllAsync(_keys.NodeHeartbeat);
            await Task.WhenAll(nodesTask, beatsTask).ConfigureAwait(false);
            var beats = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var e in beatsTask.Result)
            {
                if (long.TryParse(e.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
                {
                    beats[e.Name.ToString()] = ms;
                }
            }

            var list = new List<NodeEntry>(nodesTask.Result.Length);
            foreach (var n in nodesTask.Result)
            {
                var id = n.Element.ToString();
                list.Add(new NodeEntry(id, (long)n.Score, beats.TryGetValue(id, out var hb) ? hb : null));
            }

            return list;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw new StoreUnavailableException("Redis is unreachable", ex);
        }
    }

    public async ValueTask RemoveAsync(string nodeId)
    {
        var db = _redis.GetDatabase();
        try
        {
            await Task.WhenAll(
                db.SortedSetRemoveAsync(_keys.NodeRegistry, nodeId),
                db.HashDeleteAsync(_keys.NodeHeartbeat, nodeId),
                db.HashDeleteAsync(_keys.NodeStatus, nodeId),
                db.KeyDeleteAsync(_keys.NodeRooms(nodeId))).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw new StoreUnavailableException("Redis is unreachable", ex);
        }
    }

    public async ValueTask PublishStatusAsync(string nodeId, ReadOnlyMemory<byte> status)
    {
        try
        {
            await _redis.GetDatabase().HashSetAsync(_keys.NodeStatus, nodeId, status).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw new StoreUnavailableException("Redis is unreachable", ex);
        }
    }

    public async ValueTask<IReadOnlyDictionary<string, ReadOnlyMemory<byte>>> ListStatusAsync()
    {
        try
        {
            var all = await _redis.GetDatabase().HashGetAllAsync(_keys.NodeStatus).ConfigureAwait(false);
            return all.ToDictionary(e => e.Name.ToString(), e => (ReadOnlyMemory<byte>)((byte[]?)e.Value ?? []), StringComparer.Ordinal);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw new StoreUnavailableException("Redis is unreachable", ex);
        }
    }

    // CLUSTERDOWN and the like are outages too: a cluster whose servers all restarted answers them until it is whole again,
    // and they must not escape to the coordinator's loop (before, one ended it and the node never registered again).
    private static bool IsOutage(Exception ex) =>
        ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException
        || (ex is RedisServerException server && RedisRelayStore.IsOutageError(server.Message));
}
