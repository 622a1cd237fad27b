namespace Cndr.Core.Cluster;

/// <summary>The node directory of the embedded store (one process; also several nodes of one test process).</summary>
public sealed class InMemoryNodeRegistry : INodeRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Registered, long? Heartbeat)> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _status = new(StringComparer.Ordinal);

    public ValueTask RegisterAsync(string nodeId, long nowMs)
    {
        lock (_lock)
        {
            var registered = _nodes.TryGetValue(nodeId, out var e) ? e.Registered : nowMs;
            _nodes[nodeId] = (registered, nowMs);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask HeartbeatAsync(string nodeId, long nowMs) => RegisterAsync(nodeId, nowMs);

    public ValueTask<IReadOnlyList<NodeEntry>> ListAsync()
    {
        lock (_lock)
        {
            IReadOnlyList<NodeEntry> list = _nodes
                .Select(kv => new NodeEntry(kv.Key, kv.Value.Registered, kv.Value.Heartbeat))
                .OrderBy(n => n.RegisteredAtMs).ThenBy(n => n.NodeId, StringComparer.Ordinal)
                .ToList();
            return ValueTask.FromResult(list);
        }
    }

    public ValueTask RemoveAsync(string nodeId)
    {
        lock (_lock)
        {
            _nodes.Remove(nodeId);
            _status.Remove(nodeId);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask PublishStatusAsync(string nodeId, ReadOnlyMemory<byte> status)
    {
        lock (_lock)
        {
            _status[nodeId] = status.ToArray();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<string, ReadOnlyMemory<byte>>> ListStatusAsync()
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, ReadOnlyMemory<byte>> copy = _status.ToDictionary(kv => kv.Key, kv => (ReadOnlyMemory<byte>)kv.Value, StringComparer.Ordinal);
            return ValueTask.FromResult(copy);
        }
    }
}
