using System.Text.Json;
using Cndr.Core;
using Cndr.Core.Cluster;
using Cndr.Core.Relay;
using Cndr.Core.Store;

namespace Cndr.Host.Admin;

/// <summary>
/// The operator's read model of the fleet, written as JSON for the admin API and the monitor's event stream:
/// nodes (registry, heartbeats, the status each node publishes), a page of rooms, one room with its members and
/// active polls (live tallies), and a room's game state. Every time is Unix milliseconds; every duration is
/// milliseconds (fields ending in <c>Ms</c>).
/// </summary>
internal sealed class FleetQueries(IRelayStore store, INodeRegistry registry, string selfNodeId, long nodeTimeoutMs, TimeProvider? time = null)
{
    /// <summary>Most members listed in one room view (the counts are always exact).</summary>
    public const int MaxMembersListed = 500;

    /// <summary>Most rooms on one page.</summary>
    public const int MaxPageSize = 200;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary><c>{"now", "nodes":[{id, self, primary, alive, registeredAt, lastHeartbeat, heartbeatAgeMs, status:{...}|null}]}</c>.</summary>
    public async Task WriteNodesAsync(Utf8JsonWriter w)
    {
        var nodesTask = registry.ListAsync().AsTask();
        var statusTask = registry.ListStatusAsync().AsTask();
        var nodes = await nodesTask;
        var status = await statusTask;
        var now = NowMs;
        var primary = PrimaryElection.Elect(nodes, now, nodeTimeoutMs);
        w.WriteStartObject();
        w.WriteNumber("now", now);
        w.WriteStartArray("nodes");
        foreach (var n in nodes)
        {
            w.WriteStartObject();
            w.WriteString("id", n.NodeId);
            w.WriteBoolean("self", n.NodeId == selfNodeId);
            w.WriteBoolean("primary", n.NodeId == primary);
            w.WriteBoolean("alive", PrimaryElection.IsAlive(n, now, nodeTimeoutMs));
            w.WriteNumber("registeredAt", n.RegisteredAtMs);
            if (n.LastHeartbeatMs is { } hb)
            {
                w.WriteNumber("lastHeartbeat", hb);
                w.WriteNumber("heartbeatAgeMs", Math.Max(0, now - hb));
            }
            else
            {
                w.WriteNull("lastHeartbeat");
                w.WriteNull("heartbeatAgeMs");
            }

            w.WritePropertyName("status");
            if (status.TryGetValue(n.NodeId, out var s) && IsJsonObject(s.Span))
            {
                w.WriteRawValue(s.Span, skipInputValidation: true);
            }
            else
            {
                w.WriteNullValue();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>{"now", "total", "offset", "limit", "sort", "rooms":[room summary...]}</c>: activated rooms, sorted by
    /// <paramref name="sort"/> (<c>-lastActivity</c> most recent first, <c>lastActivity</c>, <c>code</c>, <c>-code</c>).
    /// </summary>
    public async Task WriteRoomsAsync(Utf8JsonWriter w, string sort, int offset, int limit)
    {
        var all = await store.ListRoomsAsync();
        IEnumerable<RoomActivity> ordered = sort switch
        {
            "lastActivity" => all.OrderBy(r => r.LastActivityMs).ThenBy(r => r.Code.ToString(), StringComparer.Ordinal),
            "code" => all.OrderBy(r => r.Code.ToString(), StringComparer.Ordinal),
            "-code" => all.OrderByDescending(r => r.Code.ToString(), StringComparer.Ordinal),
            _ => all.OrderByDescending(r => r.LastActivityMs).ThenBy(r => r.Code.ToString(), StringComparer.Ordinal),
        };
        var page = ordered.Skip(offset).Take(limit).ToList();
        var infos = await Task.WhenAll(page.Select(r => store.GetRoomInfoAsync(r.Code).AsTask()));
        var members = await Task.WhenAll(page.Select(r => store.ListMembersAsync(r.Code).AsTask()));
        w.WriteStartObject();
        w.WriteNumber("now", NowMs);
        w.WriteNumber("total", all.Count);
        w.WriteNumber("offset", offset);
        w.WriteNumber("limit", limit);
        w.WriteString("sort", sort);
        w.WriteStartArray("rooms");
        for (var i = 0; i < page.Count; i++)
        {
            if (infos[i] is { } info)
            {
                w.WriteStartObject();
                WriteRoomFields(w, info, members[i]?.FirstOrDefault(m => m.Role == ClientRole.Host));
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One room: its summary, <c>members</c> (at most <see cref="MaxMembersListed"/>) and <c>polls</c> (active ones with their tallies). False when the room does not exist.</summary>
    public async Task<bool> WriteRoomAsync(Utf8JsonWriter w, RoomCode code)
    {
        var infoTask = store.GetRoomInfoAsync(code).AsTask();
        var membersTask = store.ListMembersAsync(code).AsTask();
        var pollsTask = store.ListPollsAsync(code).AsTask();
        var info = await infoTask;
        var members = await membersTask;
        var polls = await pollsTask;
        if (info is null || members is null)
        {
            return false;
        }

        var active = polls.Where(p => p.Active).ToList();
        var snapshots = await Task.WhenAll(active.Select(p => store.GetPollResponsesAsync(code, p.PollId).AsTask()));
        w.WriteStartObject();
        w.WriteNumber("now", NowMs);
        WriteRoomFields(w, info, members.FirstOrDefault(m => m.Role == ClientRole.Host));
        w.WriteNumber("memberCount", members.Count);
        w.WriteBoolean("membersTruncated", members.Count > MaxMembersListed);
        w.WriteStartArray("members");
        foreach (var m in members.Take(MaxMembersListed))
        {
            w.WriteStartObject();
            w.WriteString("clientId", m.ClientId);
            w.WriteString("role", RoleName(m.Role));
            w.WriteBoolean("connected", m.Connected);
            w.WriteString("nodeId", m.NodeId);
            w.WriteNumber("joinedAt", m.JoinedAtMs);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("polls");
        foreach (var snapshot in snapshots)
        {
            if (snapshot is null)
            {
                continue;
            }

            // The same object a host gets as poll_results (PROTOCOL #12), plus the start time and the answer count.
            using var doc = JsonDocument.Parse(RelayHandler.PollResults(snapshot));
            w.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                p.WriteTo(w);
            }

            w.WriteNumber("startedAt", snapshot.Poll.StartedAtMs);
            w.WriteNumber("responseCount", snapshot.Responses.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        return true;
    }

    /// <summary><c>{"roomCode", "gameStateRev", "gameState": raw JSON | null}</c>; false when the room does not exist.</summary>
    public async Task<bool> WriteStateAsync(Utf8JsonWriter w, RoomCode code)
    {
        if (await store.GetGameStateAsync(code) is not { } snapshot)
        {
            return false;
        }

        w.WriteStartObject();
        w.WriteString("roomCode", code.ToString());
        w.WriteNumber("gameStateRev", snapshot.Rev);
        w.WritePropertyName("gameState");
        if (snapshot.State.IsEmpty)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteRawValue(snapshot.State.Span, skipInputValidation: true);
        }

        w.WriteEndObject();
        return true;
    }

    /// <summary>The fields of a room summary (also those of <c>GET /admin/rooms/{code}</c> before members).</summary>
    public static void WriteRoomFields(Utf8JsonWriter w, RoomInfo info, MemberInfo? host)
    {
        w.WriteString("roomCode", info.Code.ToString());
        w.WriteBoolean("hasPassword", info.HasPassword);
        w.WriteNumber("maxPlayers", info.MaxPlayers);
        w.WriteNumber("maxAudience", info.MaxAudience);
        w.WriteNumber("createdAt", ToMs(info.CreatedAt));
        w.WriteNumber("playerCount", info.PlayerCount);
        w.WriteNumber("audienceCount", info.AudienceCount);
        w.WriteBoolean("hostConnected", info.HostConnected);
        w.WriteString("hostNodeId", host?.NodeId);
        w.WriteNumber("lastActivity", info.LastActivityMs);
        w.WriteNumber("gameStateRev", info.GameStateRev);
    }

    /// <summary><c>room:config.createdAt</c> is whatever the creator wrote (the admin API writes seconds): responses use milliseconds.</summary>
    public static long ToMs(long createdAt) => createdAt is > 0 and < 100_000_000_000 ? createdAt * 1000 : createdAt;

    public static string RoleName(ClientRole role) => role switch
    {
        ClientRole.Host => "host",
        ClientRole.Player => "player",
        _ => "audience",
    };

    private static bool IsJsonObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
