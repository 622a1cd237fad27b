using System.Net;
using System.Text.Json;
using Cndr.Core.Diagnostics;
using Cndr.Core.Relay;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>Clients that guess secrets or loop refused commands.</summary>
public class HostileClientTests
{
    private static string WrongPassword => """{"roomCode":"ABC123","role":"player","password":"nope"}""";

    private static string RightPassword => """{"roomCode":"ABC123","role":"player","password":"secret"}""";

    [Fact]
    public async Task FailedHandshakesPastTheBudgetAreRefusedWithRateLimitedUntilTheWindowEnds()
    {
        using var f = new RelayFixture(o =>
        {
            o.FailedHandshakeLimit = 3;
            o.FailedHandshakeWindowMs = 60_000;
        });
        await f.CreateRoomAsync(password: "secret");
        for (var i = 0; i < 3; i++)
        {
            var (_, r) = await f.HandshakeAsync(WrongPassword);
            JsonAssert.IsError(r, "INVALID_PASSWORD");
        }

        // The budget is spent: even the right password is refused, with the time left in the window.
        var (c, refused) = await f.HandshakeAsync(RightPassword);
        JsonAssert.IsError(refused, "RATE_LIMITED");
        var retryAfter = refused.GetProperty("error").GetProperty("retryAfterMs").GetInt64();
        Assert.InRange(retryAfter, 1, 60_000);
        Assert.True(c.IsDisconnected);
        Assert.Equal(1, f.Handler.Counters.HandshakesThrottled);
        Assert.Equal(3, f.Handler.Counters.AuthFailures);

        // The connect-auth path is refused the same way (CONNECT_ERROR data carries code and retryAfterMs).
        var (_, decision) = await f.ConnectWithAuthAsync(RightPassword);
        Assert.False(decision.Accepted);
        using var data = JsonDocument.Parse(decision.ErrorJson);
        Assert.Equal("RATE_LIMITED", data.RootElement.GetProperty("data").GetProperty("code").GetString());
        Assert.True(data.RootElement.GetProperty("data").GetProperty("retryAfterMs").GetInt64() > 0);
        Assert.Equal(2, f.Handler.Counters.HandshakesThrottled);

        f.Time.Advance(TimeSpan.FromMilliseconds(retryAfter));
        f.Handler.SweepHandshakeTimeouts();
        var (_, ok) = await f.HandshakeAsync(RightPassword);
        Assert.Equal("success", ok.GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownRoomsCountAndHonestJoinsDoNot()
    {
        using var f = new RelayFixture(o => o.FailedHandshakeLimit = 2);
        await f.CreateRoomAsync();
        for (var i = 0; i < 10; i++)
        {
            await f.PlayerAsync();
        }

        JsonAssert.IsError((await f.HandshakeAsync("""{"roomCode":"ZZZ999","role":"audience"}""")).Response, "ROOM_NOT_FOUND");
        JsonAssert.IsError((await f.HandshakeAsync("""{"roomCode":"ZZZ998","role":"audience"}""")).Response, "ROOM_NOT_FOUND");
        JsonAssert.IsError((await f.HandshakeAsync("""{"roomCode":"ABC123","role":"audience"}""")).Response, "RATE_LIMITED");
    }

    [Fact]
    public async Task RefusedSignInTokensCountLikeWrongPasswords()
    {
        // No token validator is configured: every token is refused with INVALID_TOKEN, a guess like any other.
        using var f = new RelayFixture(o => o.FailedHandshakeLimit = 2);
        await f.CreateRoomAsync(password: "secret");
        const string Token = """{"roomCode":"ABC123","role":"player","token":"e30.e30.guess"}""";
        JsonAssert.IsError((await f.HandshakeAsync(Token)).Response, "INVALID_TOKEN");
        var (_, decision) = await f.ConnectWithAuthAsync(Token);
        Assert.False(decision.Accepted);
        using (var data = JsonDocument.Parse(decision.ErrorJson))
        {
            Assert.Equal("INVALID_TOKEN", data.RootElement.GetProperty("data").GetProperty("code").GetString());
        }

        // The budget is spent by the two refused tokens: the right password now waits out the window.
        JsonAssert.IsError((await f.HandshakeAsync(RightPassword)).Response, "RATE_LIMITED");
        Assert.Equal(2, f.Handler.Counters.AuthFailures);
    }

    private static IPAddress Ip(int i) => new([10, 0, (byte)(i >> 8), (byte)i]);

    [Fact]
    public void TheFailedHandshakeTableIsCappedAndSweptEmpty()
    {
        var throttle = new FailedHandshakeThrottle(limit: 1, windowMs: 1000, maxAddresses: 100);
        for (var i = 0; i < 1000; i++)
        {
            throttle.RecordFailure(Ip(i), 0);
        }

        Assert.Equal(100, throttle.Count);
        Assert.True(throttle.RetryAfterMs(Ip(0), 10) > 0);
        Assert.Equal(0, throttle.RetryAfterMs(Ip(999), 10)); // not tracked: the table was full

        // An IPv4 client seen through a dual-stack socket is the same client.
        Assert.True(throttle.RetryAfterMs(IPAddress.Parse("::ffff:10.0.0.0"), 10) > 0);

        throttle.Sweep(1000);
        Assert.Equal(0, throttle.Count);
        Assert.Equal(0, throttle.RetryAfterMs(Ip(0), 1000));
    }

    [Fact]
    public async Task TenThousandForbiddenCommandsWriteABoundedNumberOfWarningsAndOneSuppressedLineWhileTheCounterCountsAll()
    {
        var log = new CapturingLogger();
        using var f = new RelayFixture(o =>
        {
            o.ClientLogLinesPerInterval = 20;
            o.ClientLogIntervalMs = 10_000;
        }, logger: log);
        await f.CreateRoomAsync();
        await f.HostAsync();
        var (p, _, _) = await f.PlayerAsync();
        f.Handler.SweepHandshakeTimeouts(); // starts the log interval

        for (var i = 0; i < 10_000; i++)
        {
            await f.EmitAsync(p, "poll_response", "{}", ack: false);
        }

        Assert.Equal(10_000, f.Handler.Counters.Unauthorized);
        Assert.Equal(20, log.Warnings("unauthorized_message client").Count);
        Assert.Empty(log.Warnings("log_suppressed"));

        f.Time.Advance(TimeSpan.FromSeconds(10));
        f.Handler.SweepHandshakeTimeouts();
        var suppressed = Assert.Single(log.Warnings("log_suppressed"));
        Assert.Contains("unauthorized_message: 9980 similar lines suppressed", suppressed, StringComparison.Ordinal);

        // The next interval has its budget again.
        await f.EmitAsync(p, "poll_response", "{}", ack: false);
        Assert.Equal(21, log.Warnings("unauthorized_message client").Count);
    }

    [Fact]
    public void EachKindHasItsOwnBudget()
    {
        var throttle = new LogThrottle(linesPerInterval: 2, intervalMs: 1000);
        Assert.True(throttle.TryLog(ClientLogKind.Forbidden));
        Assert.True(throttle.TryLog(ClientLogKind.Forbidden));
        Assert.False(throttle.TryLog(ClientLogKind.Forbidden));
        Assert.True(throttle.TryLog(ClientLogKind.AuthFailed));
        var reports = new List<string>();
        throttle.Flush(1000, (k, n, _) => reports.Add($"{k}:{n}"));
        Assert.Equal(["Forbidden:1"], reports);
        Assert.True(throttle.TryLog(ClientLogKind.Forbidden));
    }
}
