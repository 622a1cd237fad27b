using System.Text.Json.Nodes;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>Protocol-level helpers over <see cref="JsClients"/>: join as host / player / audience, read fields.</summary>
public static class RelayClients
{
    /// <summary>socket.io-client options for a transport path: "websocket", "polling" or "default" (polling, then upgrade).</summary>
    public static Dictionary<string, object?> Options(string transport, object? auth = null)
    {
        var o = new Dictionary<string, object?>();
        switch (transport)
        {
            case "websocket":
                o["transports"] = new[] { "websocket" };
                break;
            case "polling":
                o["transports"] = new[] { "polling" };
                break;
        }

        if (auth is not null)
        {
            o["auth"] = auth;
        }

        return o;
    }

    /// <summary>Connects and joins by the <c>handshake</c> event with an ack; returns the ack (the handshake response).</summary>
    public static async Task<JsonNode> JoinByEventAsync(this JsClients js, string name, string url, object handshake, string transport = "websocket")
    {
        var c = await js.ConnectAsync(name, url, Options(transport));
        Assert.True(c.Connected, $"{name} could not connect: {c.ErrorMessage}");
        var ack = await js.EmitAsync(name, "handshake", handshake);
        Assert.NotNull(ack);
        return ack!;
    }

    /// <summary>Connects with the handshake as Socket.IO <c>auth</c>; asserts success and returns the first event, <c>handshake_response</c>.</summary>
    public static async Task<JsonNode> JoinByAuthAsync(this JsClients js, string name, string url, object auth, string transport = "websocket")
    {
        var c = await js.ConnectAsync(name, url, Options(transport, auth));
        Assert.True(c.Connected, $"{name} was refused: {c.ErrorMessage} {c.ErrorData?.ToJsonString()}");
        var response = await js.NextAsync(name, "handshake_response");
        Assert.Equal("success", Str(response, "status"));
        return response!;
    }

    public static Task<JsonNode> HostAsync(this JsClients js, string name, string url, string code, string hostKey, string transport = "websocket") =>
        js.JoinByAuthAsync(name, url, new { roomCode = code, role = "host", hostKey }, transport);

    public static Task<JsonNode> PlayerAsync(this JsClients js, string name, string url, string code, string? password = null, object? meta = null, string transport = "websocket") =>
        js.JoinByAuthAsync(name, url, new { roomCode = code, role = "player", password, meta }, transport);

    public static Task<JsonNode> AudienceAsync(this JsClients js, string name, string url, string code, object? meta = null, string transport = "websocket") =>
        js.JoinByAuthAsync(name, url, new { roomCode = code, role = "audience", meta }, transport);

    /// <summary>The error code of an ack / response <c>{status:"error", error:{code}}</c>, or null.</summary>
    public static string? ErrorCode(JsonNode? response) => response?["error"]?["code"]?.GetValue<string>();

    public static string? Str(JsonNode? node, string field) => node?[field]?.GetValue<string>();

    public static long Num(JsonNode? node, string field) => node?[field]?.GetValue<long>() ?? -1;

    /// <summary>Asserts an ack is <c>{status:"error"}</c> with <paramref name="code"/>.</summary>
    public static void AssertError(string code, JsonNode? ack)
    {
        Assert.True(ack is not null, "no ack");
        Assert.Equal("error", Str(ack, "status"));
        Assert.Equal(code, ErrorCode(ack));
        Assert.False(string.IsNullOrWhiteSpace(ack!["error"]?["message"]?.GetValue<string>()), "error without a message");
    }

    /// <summary>Asserts an ack is <c>{status:"ok"}</c>.</summary>
    public static void AssertOk(JsonNode? ack)
    {
        Assert.True(ack is not null, "no ack");
        Assert.True(Str(ack, "status") == "ok", "expected ok, got " + ack!.ToJsonString());
    }

    /// <summary>JSON equality by structure (key order ignored).</summary>
    public static void AssertJsonEqual(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString() ?? "null"}");
}
