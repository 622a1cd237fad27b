using System.Net;
using Cndr.Core.Store.Redis;

namespace Cndr.Core.Tests.Redis;

/// <summary>What a deployment's Redis settings turn into: endpoints, Sentinel, key prefix (no server needed).</summary>
public sealed class RedisConnectionOptionsTests
{
    [Fact]
    public void Several_endpoints_replace_host_and_port_and_accept_names_ipv4_and_ipv6()
    {
        var config = RedisConnection.CreateConfiguration(new RedisStoreOptions
        {
            Host = "ignored",
            Endpoints = "10.0.0.1:7000, redis-b:7001,[::1]:7002,redis-c",
        });
        Assert.Equal(
            ["10.0.0.1:7000", "Unspecified/redis-b:7001", "[::1]:7002", "Unspecified/redis-c:6379"],
            config.EndPoints.Select(e => e is IPEndPoint ip ? (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip.Address}]:{ip.Port}" : ip.ToString()) : e.ToString()!));
        Assert.Null(config.ServiceName);
    }

    [Fact]
    public void A_sentinel_service_name_makes_the_endpoints_sentinels_on_port_26379_by_default()
    {
        var config = RedisConnection.CreateConfiguration(new RedisStoreOptions { Endpoints = "10.0.0.1,10.0.0.2:26380", SentinelServiceName = "cndr-main" });
        Assert.Equal("cndr-main", config.ServiceName);
        Assert.Equal([26379, 26380], config.EndPoints.Select(e => ((IPEndPoint)e).Port));
    }

    [Theory]
    [InlineData("host:", false)]
    [InlineData("host:70000", false)]
    [InlineData("[::1", false)]
    [InlineData("[::1]x", false)]
    [InlineData(":6379", false)]
    [InlineData("a:1,b:2", true)]
    [InlineData("[::1]", true)]
    public void Endpoint_lists_are_validated_with_a_message(string endpoints, bool valid)
    {
        var error = RedisStoreOptions.ValidateEndpoints(endpoints);
        Assert.Equal(valid, error is null);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("staging:", true)]
    [InlineData("env-1.a_b:", true)]
    [InlineData("{staging}:", false)] // would become the hash tag of every key
    [InlineData("st*", false)]        // a SCAN glob
    [InlineData("sp ace", false)]
    public void Key_prefixes_that_could_form_a_hash_tag_or_a_glob_are_refused(string prefix, bool valid)
    {
        Assert.Equal(valid, RedisStoreOptions.ValidateKeyPrefix(prefix) is null);
        if (!valid)
        {
            Assert.Throws<ArgumentException>(() => new RedisKeys(cluster: true, prefix));
        }
    }

    [Fact]
    public void The_standalone_schema_is_the_design_s_names_and_the_cluster_schema_tags_them()
    {
        Assert.True(RoomCode.TryParse("ABCD", out var code));
        var standalone = RedisKeys.Standalone.For(code);
        var cluster = new RedisKeys(cluster: true, "").For(code);
        var prefixed = new RedisKeys(cluster: true, "staging:").For(code);
        Assert.Equal("room:config:ABCD", (string?)standalone.Config);
        Assert.Equal("room:client:ABCD:p1", (string?)standalone.Client("p1"));
        Assert.Equal("room:updates:ABCD", (string?)standalone.Updates);
        Assert.False(standalone.Updates.IsSharded);
        Assert.Equal("nodes:registry", (string?)RedisKeys.Standalone.NodeRegistry);
        Assert.Equal("room:config:{ABCD}", (string?)cluster.Config);
        Assert.Equal("room:client:{ABCD}:p1", (string?)cluster.Client("p1"));
        Assert.True(cluster.Updates.IsSharded);
        Assert.Equal("staging:room:poll:responses:{ABCD}:q", (string?)prefixed.PollResponses("q"));
        Assert.Equal("staging:nodes:{nodes}:heartbeat", (string?)new RedisKeys(cluster: true, "staging:").NodeHeartbeat);
        Assert.True(new RedisKeys(cluster: true, "").TryParseConfigKey("room:config:{ABCD}", out var parsed) && parsed == code);
        Assert.False(new RedisKeys(cluster: true, "").TryParseConfigKey("room:config:ABCD", out _));
    }
}
