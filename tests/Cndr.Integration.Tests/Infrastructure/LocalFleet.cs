using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Cndr.Integration.Tests.Infrastructure;

/// <summary>
/// A fleet started by <c>scripts/fleet.sh up</c> (redis-server, three cndr processes of the Release build, nginx with
/// deploy/nginx/cndr.conf) on free loopback ports with its own state directory; <c>down</c> on dispose.
/// </summary>
public sealed class LocalFleet : IAsyncDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private LocalFleet(string state, int lbPort, int basePort, string token)
    {
        State = state;
        LbPort = lbPort;
        BasePort = basePort;
        AdminToken = token;
    }

    public string State { get; }

    public int LbPort { get; }

    public int BasePort { get; }

    public string AdminToken { get; }

    public string Url => $"http://127.0.0.1:{LbPort}";

    public string NodeUrl(int i) => $"http://127.0.0.1:{BasePort + i}";

    public static async Task<LocalFleet> UpAsync()
    {
        var state = Path.Combine(Path.GetTempPath(), "cndr-fleet-test-" + Guid.NewGuid().ToString("N")[..8]);
        var lb = FreePort();
        var basePort = FreeRange(3);
        var redis = FreePort();
        var psi = Script("up", state, lb, basePort, redis);
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(psi, 180_000);
        Assert.True(code == 0, $"fleet.sh up exited {code}\n{stdout}\n{stderr}");
        Assert.Contains($"balancer   http://127.0.0.1:{lb}", stdout, StringComparison.Ordinal);
        return new LocalFleet(state, lb, basePort, File.ReadAllText(Path.Combine(state, "admin-token")).Trim());
    }

    /// <summary><c>drain N</c> (SIGTERM, waits for the exit) or <c>kill N</c> (SIGKILL).</summary>
    public async Task RunAsync(string verb, int node)
    {
        var psi = Script(verb, State, LbPort, BasePort, 0);
        psi.ArgumentList.Add(node.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(psi, 60_000);
        Assert.True(code == 0, $"fleet.sh {verb} {node} exited {code}\n{stdout}\n{stderr}");
    }

    public async Task<JsonNode> AdminGetAsync(string path)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, Url + path);
        req.Headers.Authorization = new("Bearer", AdminToken);
        using var res = await s_http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, $"GET {path}: {(int)res.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<(string Code, string HostKey)> CreateRoomAsync()
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, Url + "/admin/rooms") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        req.Headers.Authorization = new("Bearer", AdminToken);
        using var res = await s_http.SendAsync(req);
        var json = JsonNode.Parse(await res.Content.ReadAsStringAsync())!;
        return (json["roomCode"]!.GetValue<string>(), json["hostKey"]!.GetValue<string>());
    }

    private static System.Diagnostics.ProcessStartInfo Script(string verb, string state, int lb, int basePort, int redis)
    {
        var psi = ExternalProcess.Command("bash", RepoPaths.Root, "scripts/fleet.sh", verb);
        psi.Environment["FLEET_STATE"] = state;
        psi.Environment["FLEET_LB_PORT"] = lb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["FLEET_BASE_PORT"] = basePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (redis > 0)
        {
            psi.Environment["FLEET_REDIS_PORT"] = redis.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        psi.Environment["FLEET_NO_BUILD"] = "1";
        return psi;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A base port b such that b+1 .. b+n are free (nodes listen there).</summary>
    private static int FreeRange(int n)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var b = Random.Shared.Next(20_000, 30_000);
            if (Enumerable.Range(1, n).All(i => IsFree(b + i)))
            {
                return b;
            }
        }

        throw new InvalidOperationException("no free port range");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalProcess.RunAsync(Script("down", State, LbPort, BasePort, 0), 60_000);
        try
        {
            Directory.Delete(State, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
