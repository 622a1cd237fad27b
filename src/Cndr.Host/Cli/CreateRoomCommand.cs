using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cndr.Host.Admin;

namespace Cndr.Host.Cli;

/// <summary>
/// <c>cndr create-room</c>: creates a room the way <c>POST /admin/rooms</c> does — through a running node's
/// admin API (<c>--url</c>), or, without <c>--url</c> and with <c>REDIS_HOST</c> set, straight in Redis.
/// Prints the room as JSON (roomCode, hostKey, ...).
/// </summary>
internal static class CreateRoomCommand
{
    public static async Task<int> RunAsync(string[] args, Func<CreateRoomRequest, Task<(CreatedRoomView? Room, CreateRoomError Error)>>? direct)
    {
        string? url = null, token = Environment.GetEnvironmentVariable("ADMIN_TOKEN");
        var request = new CreateRoomRequest();
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = Split(args, ref i);
            switch (name)
            {
                case "--url":
                    url = value;
                    break;
                case "--admin-token":
                    token = value;
                    break;
                case "--password":
                    request = request with { Password = value };
                    break;
                case "--room-code":
                    request = request with { RoomCode = value };
                    break;
                case "--max-players" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mp):
                    request = request with { MaxPlayers = mp };
                    break;
                case "--max-audience" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ma):
                    request = request with { MaxAudience = ma };
                    break;
                default:
                    await Console.Error.WriteLineAsync($"cndr create-room: bad option '{name}' (see cndr --help)");
                    return 2;
            }
        }

        if (url is null)
        {
            if (direct is null)
            {
                await Console.Error.WriteLineAsync("cndr create-room: give --url of a running node (or set REDIS_HOST to write to Redis directly)");
                return 2;
            }

            var (room, error) = await direct(request);
            if (room is null)
            {
                await Console.Error.WriteLineAsync($"cndr create-room: {error}");
                return 1;
            }

            Console.WriteLine(JsonSerializer.Serialize(room, AdminJson.Default.CreatedRoomView));
            return 0;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var msg = new HttpRequestMessage(HttpMethod.Post, url.TrimEnd('/') + "/admin/rooms")
        {
            Content = new StringContent(JsonSerializer.Serialize(request, AdminJson.Default.CreateRoomRequest), Encoding.UTF8, "application/json"),
        };
        if (!string.IsNullOrEmpty(token))
        {
            msg.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var res = await http.SendAsync(msg);
            var body = await res.Content.ReadAsStringAsync();
            if (!res.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"cndr create-room: {(int)res.StatusCode} {body}");
                return 1;
            }

            Console.WriteLine(body);
            return 0;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"cndr create-room: cannot reach {url}: {ex.Message}");
            return 1;
        }
        catch (TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"cndr create-room: {url} did not answer in time");
            return 1;
        }
    }

    private static (string Name, string Value) Split(string[] args, ref int i)
    {
        var a = args[i];
        var eq = a.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            return (a[..eq], a[(eq + 1)..]);
        }

        var value = i + 1 < args.Length ? args[++i] : "";
        return (a, value);
    }
}
