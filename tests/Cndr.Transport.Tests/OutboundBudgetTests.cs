using System.Text;
using Cndr.Transport.SocketIO;

namespace Cndr.Transport.Tests;

/// <summary>
/// <see cref="EngineIO.EngineIOOptions.MaxOutboundBytes"/> bounds a backlog, not a message: one message larger than the budget
/// reaches a healthy client, and only a backlog beyond the budget cuts it (a slow consumer).
/// </summary>
public class OutboundBudgetTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    private const int Budget = 64 * 1024;

    private static OutboundMessage Event(char fill, int size)
    {
        var m = OutboundMessage.CreateEvent(default, size + 16);
        m.Write("[\"big\",\""u8);
        m.Write(Encoding.ASCII.GetBytes(new string(fill, size)));
        m.Write("\"]"u8);
        return m.Complete();
    }

    // A polling session that has connected the namespace but not fetched anything yet: what the server sends waits.
    private static async Task<(HttpClient Http, string Url, ISocketIOConnection Conn)> IdlePollingClientAsync(TestServer server)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = s_timeout };
        var open = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        var sid = open[(open.IndexOf("\"sid\":\"", StringComparison.Ordinal) + 7)..][..16];
        var url = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
        await http.PostAsync(url, new StringContent("40"));
        ISocketIOConnection? conn = null;
        var deadline = DateTime.UtcNow + s_timeout;
        while (!server.Handler.Connected.TryPeek(out conn) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.NotNull(conn);
        return (http, url, conn);
    }

    // Polls until the body holds `marker` (the large message) or the time is up.
    private static async Task<string> PollUntilAsync(HttpClient http, string url, string marker)
    {
        var all = new StringBuilder();
        var deadline = DateTime.UtcNow + s_timeout;
        while (!all.ToString().Contains(marker, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            all.Append(await http.GetStringAsync(url));
        }

        return all.ToString();
    }

    [Fact]
    public async Task AMessageLargerThanTheBudgetBehindASmallUnfetchedPacketReachesTheClient()
    {
        await using var server = new TestServer(o =>
        {
            o.MaxOutboundBytes = Budget;
            o.MaxPayload = 1_000_000;
            o.PingInterval = 20_000;
            o.PingTimeout = 20_000;
        });
        var (http, url, conn) = await IdlePollingClientAsync(server);
        using (http)
        {
            // The namespace CONNECT packet is still waiting (nothing fetched); then a small event and one twice the budget.
            var small = Event('s', 100);
            var large = Event('L', 2 * Budget);
            Assert.True(conn.Send(small));
            Assert.True(conn.Send(large));
            small.Release();
            large.Release();

            var body = await PollUntilAsync(http, url, new string('L', 2 * Budget));
            Assert.Contains(new string('s', 100), body, StringComparison.Ordinal);
            Assert.Contains(new string('L', 2 * Budget), body, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Handler.Disconnects, d => d.Reason == DisconnectReason.SlowConsumer);
            Assert.Equal(0, server.IO.Counters.SlowConsumers);

            // Still healthy: the next message is delivered too.
            var after = Event('a', 10);
            Assert.True(conn.Send(after));
            after.Release();
            Assert.Contains(new string('a', 10), await PollUntilAsync(http, url, new string('a', 10)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OnlyABacklogBeyondTheBudgetCutsTheClient()
    {
        await using var server = new TestServer(o =>
        {
            o.MaxOutboundBytes = Budget;
            o.MaxPayload = 1_000_000;
            o.PingInterval = 20_000;
            o.PingTimeout = 20_000;
        });
        var (http, _, conn) = await IdlePollingClientAsync(server);
        using (http)
        {
            // One oversized message waits (taken: the backlog ahead of it is within the budget) ...
            var large = Event('L', 2 * Budget);
            Assert.True(conn.Send(large));
            large.Release();
            Assert.Equal(0, server.IO.Counters.SlowConsumers);

            // ... and the backlog is now beyond the budget: the next message, however small, cuts the client.
            var small = Event('s', 10);
            Assert.False(conn.Send(small));
            small.Release();
            Assert.Contains(server.Handler.Disconnects, d => d.Reason == DisconnectReason.SlowConsumer);
            Assert.Equal(1, server.IO.Counters.SlowConsumers);
        }
    }
}
