using System.Security.Cryptography;
using Cndr.Core.Store.Redis;
using Cndr.Testing;
using StackExchange.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>
/// A real redis-server for one test class, the store's shared connection to it, and a separate admin connection the
/// tests use to look at (and tamper with) the raw keys.
/// </summary>
/// <remarks>Not sealed: <see cref="RedisTestServerWithoutFastPath"/> runs the same suites with <see cref="RedisStoreOptions.FastPath"/> off.</remarks>
public class RedisTestServer : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public RedisConnection Connection { get; private set; } = null!;

    public ConnectionMultiplexer Admin { get; private set; } = null!;

    public IDatabase Db => Admin.GetDatabase();

    public IServer AdminServer => Admin.GetServer(Server.Host, Server.Port);

    public RedisStoreOptions Options => new() { Host = Server.Host, Port = Server.Port, ConnectTimeoutMs = 2000, OperationTimeoutMs = 3000, FastPath = FastPath };

    /// <summary>Whether the store's script calls use <see cref="RedisFastConnection"/> (the default).</summary>
    protected virtual bool FastPath => true;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync();
        Connection = await RedisConnection.ConnectAsync(Options);
        Admin = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Admin.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>A fresh random room code (6 characters), so tests sharing a server never meet.</summary>
    public static RoomCode NewCode()
    {
        Span<char> c = stackalloc char[6];
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (var i = 0; i < c.Length; i++)
        {
            c[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        Assert.True(RoomCode.TryParse(c, c.Length, out var code));
        return code;
    }

    /// <summary>Every key of the server that mentions <paramref name="code"/> (SCAN through KEYS-compatible pattern matching).</summary>
    public List<string> KeysOf(RoomCode code) =>
        [.. AdminServer.Keys(pattern: $"*{code}*", pageSize: 1000).Select(k => (string)k!)];
}
