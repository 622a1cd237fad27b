using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Cndr.Core;
using Cndr.Core.Store;
using Cndr.Host.Admin;
using Cndr.Transport.Http;

namespace Cndr.Host.Monitor;

/// <summary>
/// The monitor page at <c>/monitor</c>: three static files embedded in the executable (no CDN) and one guarded
/// event stream, <c>GET /monitor/events?room=CODE</c> (<c>text/event-stream</c>), that sends a fresh
/// <c>snapshot</c> event every <c>MONITOR_INTERVAL_MS</c>: <c>{nodes, rooms, room}</c> as the admin API writes them.
/// The page's actions are admin API calls (kick, close). The static files hold no data and are served to anyone;
/// the stream and the actions need the admin token (or the loopback rule of <see cref="AdminAuth"/>).
/// </summary>
internal sealed class MonitorEndpoints(FleetQueries fleet, AdminAuth auth, int intervalMs)
{
    /// <summary>A stream ends after this long; the page reconnects (bounds what one forgotten tab holds).</summary>
    private static readonly TimeSpan s_maxStream = TimeSpan.FromMinutes(10);

    private static readonly MonitorAsset s_index = MonitorAsset.Load("index.html", "text/html; charset=utf-8");
    private static readonly MonitorAsset s_script = MonitorAsset.Load("monitor.js", "text/javascript; charset=utf-8");
    private static readonly MonitorAsset s_style = MonitorAsset.Load("monitor.css", "text/css; charset=utf-8");

    public void Map(HttpRouter router)
    {
        router.Map(HttpVerb.Get, "/monitor", ctx => s_index.SendAsync(ctx));
        router.Map(HttpVerb.Get, "/monitor/", ctx => s_index.SendAsync(ctx));
        router.Map(HttpVerb.Get, "/monitor/monitor.js", ctx => s_script.SendAsync(ctx));
        router.Map(HttpVerb.Get, "/monitor/monitor.css", ctx => s_style.SendAsync(ctx));
        router.Map(HttpVerb.Get, "/monitor/events", EventsAsync);
    }

    private async ValueTask EventsAsync(HttpContext ctx)
    {
        if (!await auth.AuthorizeAsync(ctx))
        {
            return;
        }

        RoomCode? room = null;
        if (ctx.Request.GetQueryValue("room") is { Length: > 0 } raw)
        {
            if (!RoomCode.TryParse(raw, out var code))
            {
                await AdminErrors.SendAsync(ctx, 400, "INVALID_QUERY", "room is a room code [A-Z0-9].");
                return;
            }

            room = code;
        }

        ctx.Response.AddHeader("Cache-Control", "no-store");
        ctx.Response.AddHeader("X-Accel-Buffering", "no"); // nginx: pass events on at once
        await ctx.Response.StartStreamAsync(200, "text/event-stream; charset=utf-8"u8);
        var started = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(intervalMs));
        do
        {
            if (!await ctx.Response.WriteStreamAsync(await SnapshotEventAsync(room)))
            {
                return;
            }
        }
        while (started.Elapsed < s_maxStream && await timer.WaitForNextTickAsync());
    }

    /// <summary>One <c>event: snapshot</c> with <c>{now, nodes, rooms, room, error?}</c> on a single <c>data:</c> line.</summary>
    internal async Task<byte[]> SnapshotEventAsync(RoomCode? room)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        buffer.Write("event: snapshot\ndata: "u8);
        var json = new ArrayBufferWriter<byte>(4096);
        try
        {
            await using var w = new Utf8JsonWriter(json);
            w.WriteStartObject();
            w.WriteNumber("now", fleet.NowMs);
            w.WritePropertyName("nodes");
            await fleet.WriteNodesAsync(w);
            w.WritePropertyName("rooms");
            await fleet.WriteRoomsAsync(w, "-lastActivity", 0, FleetQueries.MaxPageSize);
            w.WritePropertyName("room");
            if (room is not { } code || !await fleet.WriteRoomAsync(w, code))
            {
                w.WriteNullValue();
            }

            w.WriteEndObject();
        }
        catch (StoreUnavailableException)
        {
            json.Clear();
            json.Write("{\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"The store is unreachable.\"}}"u8);
        }

        buffer.Write(json.WrittenSpan);
        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
