using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cndr.Integration.Tests.Infrastructure;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Metrics beyond the counters of <see cref="OperationsTests"/>: command latency by command, relay errors by code,
/// the build, the <c>Cndr</c> meter (what dotnet-counters and OpenTelemetry read), OTLP export and <c>--version</c>.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    [Fact]
    public async Task MetricsHaveCommandLatencyByCommandErrorsByCodeAndTheBuild()
    {
        await using var node = await TestNode.StartAsync();
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        await _js.PlayerAsync("p", node.Url, code);
        await _js.AudienceAsync("a", node.Url, code, transport: "polling");
        for (var i = 0; i < 3; i++)
        {
            AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = i }));
        }

        AssertError("FORBIDDEN", await _js.EmitAsync("p", "set_game_state", new { state = 1 }));
        AssertError("POLL_NOT_FOUND", await _js.EmitAsync("a", "poll_response", new { pollId = "nope", response = "a" }));

        var text = await (await TestNode.GetAsync(node.Url + "/metrics")).Content.ReadAsStringAsync();
        Assert.Equal(3, Metric(text, "cndr_command_duration_seconds_count{command=\"set_game_state\"}"));
        Assert.Equal(3, Metric(text, "cndr_command_duration_seconds_bucket{command=\"set_game_state\",le=\"+Inf\"}"));
        Assert.True(Metric(text, "cndr_command_duration_seconds_sum{command=\"set_game_state\"}") > 0);
        Assert.True(Metric(text, "cndr_command_duration_seconds_bucket{command=\"set_game_state\",le=\"0.0001\"}") <= 3);
        Assert.Equal(1, Metric(text, "cndr_command_duration_seconds_count{command=\"poll_response\"}"));
        Assert.DoesNotContain("cndr_command_duration_seconds_count{command=\"leave\"}", text, StringComparison.Ordinal);
        Assert.Equal(1, Metric(text, "cndr_relay_errors_total{code=\"FORBIDDEN\"}"));
        Assert.Equal(1, Metric(text, "cndr_relay_errors_total{code=\"POLL_NOT_FOUND\"}"));
        Assert.Equal(0, Metric(text, "cndr_relay_errors_total{code=\"RATE_LIMITED\"}"));
        Assert.Contains("cndr_build_info{version=\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCndrMeterPublishesTheNodeCountersAndTheLatencyHistogram()
    {
        await using var node = await TestNode.StartAsync();
        var longs = new Dictionary<string, long>();
        var durations = new List<(double Seconds, string? Command)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, node.Node.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"));
            lock (longs)
            {
                longs[key] = value;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (durations)
            {
                durations.Add((value, tags.ToArray().FirstOrDefault(t => t.Key == "command").Value as string));
            }
        });
        listener.Start();

        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        await _js.PlayerAsync("p", node.Url, code, transport: "polling");
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = 1 }));
        AssertError("FORBIDDEN", await _js.EmitAsync("p", "set_game_state", new { state = 1 }));
        listener.RecordObservableInstruments();

        Assert.Equal(1, longs["cndr.clients.connected|role=host"]);
        Assert.Equal(1, longs["cndr.clients.connected|role=player"]);
        Assert.Equal(2, longs["cndr.messages.received|type=set_game_state"]);
        Assert.Equal(1, longs["cndr.relay.errors|code=FORBIDDEN"]);
        Assert.Equal(1, longs["cndr.node.primary|node=" + node.NodeId]);
        Assert.Equal(1, longs["cndr.transport.polling.sessions"]);
        lock (durations)
        {
            var d = Assert.Single(durations);
            Assert.Equal("set_game_state", d.Command);
            Assert.InRange(d.Seconds, 0, 10);
        }
    }

    [Fact]
    public async Task OtlpExportPushesTheMeterWhenAnEndpointIsSet()
    {
        var port = FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        await using var node = await TestNode.StartAsync(configure: s =>
        {
            s.OtlpEndpoint = $"http://127.0.0.1:{port}";
            s.OtlpProtocol = "http/protobuf";
            s.OtlpExportIntervalMs = 200;
        });
        var (code, key) = await node.CreateRoomAsync();
        await _js.HostAsync("h", node.Url, code, key);
        AssertOk(await _js.EmitAsync("h", "set_game_state", new { state = 1 }));

        // OTLP/HTTP: protobuf ExportMetricsServiceRequest; metric names are plain UTF-8 strings inside it.
        var deadline = Stopwatch.StartNew();
        var seen = new StringBuilder();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            var ctxTask = collector.GetContextAsync();
            if (await Task.WhenAny(ctxTask, Task.Delay(TimeSpan.FromSeconds(20))) != ctxTask)
            {
                break;
            }

            var ctx = await ctxTask;
            using var ms = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(ms);
            Assert.Equal("/v1/metrics", ctx.Request.Url!.AbsolutePath);
            Assert.Equal("POST", ctx.Request.HttpMethod);
            seen.Append(Encoding.UTF8.GetString(ms.ToArray()));
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/x-protobuf";
            ctx.Response.Close();
            if (seen.ToString().Contains("cndr.command.duration", StringComparison.Ordinal))
            {
                break;
            }
        }

        var body = seen.ToString();
        Assert.Contains("cndr.clients.connected", body, StringComparison.Ordinal);
        Assert.Contains("cndr.command.duration", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionFlagPrintsTheVersionAndExits()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "cndr.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--version");
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        Assert.Equal(0, p.ExitCode);
        Assert.StartsWith("cndr " + Host.Metrics.NodeInstruments.Version, output.Trim(), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    internal static double Metric(string exposition, string series)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        if (series.StartsWith("cndr_relay_errors_total", StringComparison.Ordinal))
        {
            return 0;
        }

        throw new Xunit.Sdk.XunitException($"metric {series} not found in:\n{exposition}");
    }
}
