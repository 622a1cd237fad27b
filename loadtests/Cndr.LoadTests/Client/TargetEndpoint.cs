using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cndr.LoadTests.Client;

/// <summary>One server node: where to open WebSockets and where its admin API is.</summary>
internal sealed record TargetEndpoint(IPAddress Address, int Port, string HostHeader, string SocketIOPath, Uri BaseUri)
{
    /// <summary>
    /// Parses http://host:port[/], ws://host:port or host:port. Only loopback addresses are accepted unless
    /// <paramref name="allowRemote"/>: a load generator must never be pointed at a machine by accident.
    /// </summary>
    public static TargetEndpoint Parse(string text, string socketIOPath, bool allowRemote)
    {
        var t = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(t, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            throw new ArgumentException($"not a URL: '{text}' (expected http://127.0.0.1:3000)");
        }

        IPAddress address;
        if (uri.Host is "localhost")
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!))
        {
            throw new ArgumentException($"'{uri.Host}' is not an IP address (use 127.0.0.1)");
        }

        if (!allowRemote && !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"{address} is not a loopback address; pass --allow-remote to load a remote server");
        }

        var path = socketIOPath.EndsWith('/') ? socketIOPath : socketIOPath + "/";
        var baseUri = new UriBuilder("http", uri.Host, uri.Port).Uri;
        return new TargetEndpoint(address, uri.Port, $"{uri.Host}:{uri.Port}", $"{path}?EIO=4&transport=websocket", baseUri);
    }

    public override string ToString() => BaseUri.ToString().TrimEnd('/');
}

/// <summary>A room created through the target's admin API.</summary>
internal sealed record RoomInfo(string RoomCode, string HostKey, string? Password);

/// <summary><c>POST /admin/rooms</c>: the same contract for cndr and the baseline.</summary>
internal sealed class AdminApi : IDisposable
{
    private readonly HttpClient _http;

    public AdminApi(TargetEndpoint endpoint, string? token)
    {
        _http = new HttpClient { BaseAddress = endpoint.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public async Task<RoomInfo> CreateRoomAsync(string? password, int maxPlayers, int maxAudience, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, object> { ["maxPlayers"] = maxPlayers, ["maxAudience"] = maxAudience };
        if (password is not null)
        {
            fields["password"] = password;
        }

        var body = JsonSerializer.Serialize(fields);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri("admin/rooms", UriKind.Relative), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /admin/rooms answered {(int)response.StatusCode}: {Truncate(text)}");
        }

        using var doc = JsonDocument.Parse(text);
        var code = doc.RootElement.GetProperty("roomCode").GetString();
        var key = doc.RootElement.GetProperty("hostKey").GetString();
        if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException($"POST /admin/rooms: no roomCode/hostKey in {Truncate(text)}");
        }

        return new RoomInfo(code, key, password);
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] + "…" : s;

    public void Dispose() => _http.Dispose();
}
