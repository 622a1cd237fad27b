using Microsoft.Extensions.Logging;

namespace Cndr.Core.Store.Redis;

/// <summary>Builds the Redis <see cref="RelayBackend"/>: store, bus and node registry over one <see cref="RedisConnection"/>.</summary>
internal static class RedisBackend
{
    public static async Task<RelayBackend> ConnectAsync(RedisStoreOptions options, string nodeId, ILoggerFactory? loggers)
    {
        var connection = await RedisConnection.ConnectAsync(options, loggers);
        var bus = new RedisRoomBus(connection, nodeId);
        return new RelayBackend(
            new RedisRelayStore(connection, nodeId),
            bus,
            new RedisNodeRegistry(connection.Multiplexer, connection.Keys),
            connection.ProbeAsync,
            action => connection.Restored += _ => action(),
            async () =>
            {
                await bus.DisposeAsync();
                await connection.DisposeAsync();
            });
    }
}
