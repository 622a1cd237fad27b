using Cndr.Core.Store;
using Cndr.Core.Tests.Infrastructure;

namespace Cndr.Core.Tests;

/// <summary>
/// Register, then reply; unwind on failure: a connection that closes at any await point of its join leaves no
/// trace (no local member, no store claim, no host_connected / client_joined, no count). Run on both stores.
/// </summary>
public abstract class JoinUnwindTests
{
    protected abstract IRelayStore NewStore();

    protected abstract string RoomCodeText { get; }

    public static TheoryData<string, string, bool> Points()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var role in new[] { "host", "player", "audience" })
        {
            var claim = role switch { "host" => "ClaimHost", "player" => "JoinPlayer", _ => "JoinAudience" };
            // An audience join reads no config (its join script answers RoomNotFound): its only await point is the claim.
            foreach (var point in role == "audience" ? new[] { claim } : new[] { "GetRoomConfig", claim })
            {
                data.Add(role, point, false);
                data.Add(role, point, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task AJoinWhoseConnectionClosesAtAnyAwaitPointLeavesNoTrace(string role, string point, bool byAuth)
    {
        var store = new HookStore(NewStore());
        using var f = new RelayFixture(store: store);
        var code = RoomCodeText;
        await f.CreateRoomAsync(code);
        var watcher = role == "host" ? (await f.PlayerAsync(code)).Connection : await f.HostAsync(code);
        watcher.ClearEvents();

        var c = f.NewConnection();
        store.After = name =>
        {
            if (name == point)
            {
                store.After = null;
                c.Drop();
            }
        };
        var json = role == "host" ? $$"""{"roomCode":"{{code}}","role":"host","hostKey":"host-key-1"}""" : $$"""{"roomCode":"{{code}}","role":"{{role}}"}""";
        if (byAuth)
        {
            var d = await f.Handler.OnConnectAsync(c, System.Text.Encoding.UTF8.GetBytes(json));
            if (d.Accepted && !c.IsDisconnected)
            {
                f.Handler.OnConnected(c);
            }
        }
        else
        {
            Assert.True((await f.Handler.OnConnectAsync(c, default)).Accepted);
            f.Handler.OnConnected(c);
            await f.EmitAsync(c, "handshake", json, ack: false);
        }

        Assert.True(c.IsDisconnected);
        await SettledAsync(f);
        var info = (await store.GetRoomInfoAsync(RelayFixture.Code(code)))!;
        Assert.Equal(role == "host" ? 1 : 0, info.PlayerCount);
        Assert.Equal(0, info.AudienceCount);
        Assert.Equal(role != "host", info.HostConnected);
        Assert.Empty(c.EventsNamed("handshake_response"));
        Assert.Empty(watcher.EventsNamed(role == "host" ? "host_connected" : "client_joined"));
        var counts = f.Handler.ConnectionCounts();
        Assert.Equal((1L, 1L, 0L), (counts.Host + counts.Player, role == "host" ? counts.Player : counts.Host, counts.Audience));
    }

    [Fact]
    public async Task AThousandJoinsRacingTheirDisconnectsLeaveCountsEqualToTheLiveMembers()
    {
        var store = NewStore();
        using var f = new RelayFixture(store: store);
        var code = RoomCodeText;
        await f.CreateRoomAsync(code);
        var live = new System.Collections.Concurrent.ConcurrentBag<(FakeConnection C, bool Player)>();
        await Parallel.ForAsync(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var player = i % 2 == 0;
            var c = f.NewConnection();
            var join = f.Handler.OnConnectAsync(c, System.Text.Encoding.UTF8.GetBytes($$"""{"roomCode":"{{code}}","role":"{{(player ? "player" : "audience")}}"}""")).AsTask();
            var keep = i % 3 == 0;
            if (!keep)
            {
                // The disconnect races the join: after 0..2 yields, somewhere in its await points.
                for (var y = 0; y < i % 3; y++)
                {
                    await Task.Yield();
                }

                c.Drop();
            }

            var d = await join;
            if (d.Accepted && !c.IsDisconnected)
            {
                f.Handler.OnConnected(c);
            }

            if (keep)
            {
                live.Add((c, player));
            }
        });

        await SettledAsync(f);
        var alive = live.Where(x => !x.C.IsDisconnected).ToList();
        var info = (await store.GetRoomInfoAsync(RelayFixture.Code(code)))!;
        Assert.Equal(alive.Count(x => x.Player), info.PlayerCount);
        Assert.Equal(alive.Count(x => !x.Player), info.AudienceCount);
        var counts = f.Handler.ConnectionCounts();
        Assert.Equal(alive.Count(x => x.Player), counts.Player);
        Assert.Equal(alive.Count(x => !x.Player), counts.Audience);
    }

    // Unwinds and disconnects run in the background: wait (bounded) until the relay has ended every one.
    private static async Task SettledAsync(RelayFixture f)
    {
        for (var i = 0; i < 500 && f.Handler.EndingSessions > 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, f.Handler.EndingSessions);
    }
}

/// <summary>The join unwind on the embedded store.</summary>
public sealed class EmbeddedJoinUnwindTests : JoinUnwindTests
{
    protected override string RoomCodeText => "ABC123";

    protected override IRelayStore NewStore() => new EmbeddedRelayStore();
}
