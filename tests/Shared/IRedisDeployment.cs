namespace Cndr.Testing;

/// <summary>A real Redis the tests run cndr against: one <see cref="RedisServer"/>, or a <see cref="RedisCluster"/> of several.</summary>
public interface IRedisDeployment : IAsyncDisposable
{
    /// <summary>One server to name in REDIS_HOST (in a cluster: the first master; the others are discovered).</summary>
    string Host { get; }

    int Port { get; }

    /// <summary>StackExchange.Redis configuration string naming every server.</summary>
    string ConnectionString { get; }

    /// <summary>True for a Redis Cluster: cndr runs with REDIS_CLUSTER=true (hash-tagged keys).</summary>
    bool IsCluster { get; }

    /// <summary>A room key as cndr names it: <c>room:state:CODE</c>, or <c>room:state:{CODE}</c> in a cluster.</summary>
    string RoomKey(string family, string code) => IsCluster ? $"{family}{{{code}}}" : family + code;

    /// <summary>A node key as cndr names it: <c>nodes:registry</c>, or <c>nodes:{nodes}:registry</c> in a cluster.</summary>
    string NodeKey(string name) => IsCluster ? "nodes:{nodes}:" + name : "nodes:" + name;

    /// <summary>Every key matching <paramref name="pattern"/> on every master (SCAN).</summary>
    Task<List<string>> KeysAsync(string pattern);

    /// <summary>Kills every server (an outage); <see cref="RestartAsync"/> brings them back empty on the same ports.</summary>
    void Kill();

    Task RestartAsync();
}
