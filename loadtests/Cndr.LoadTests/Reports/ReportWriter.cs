using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Cndr.LoadTests.Running;

namespace Cndr.LoadTests.Reports;

/// <summary>Writes report.md, report.html (charts embedded as PNG), steps.csv, series.csv, steps.json and the PNGs.</summary>
internal static class ReportWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static string Write(string dir, Options options, IReadOnlyList<StepResult> results)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "steps.json"), JsonSerializer.Serialize(results, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        File.WriteAllText(Path.Combine(dir, "steps.csv"), StepsCsv(results));
        File.WriteAllText(Path.Combine(dir, "series.csv"), SeriesCsv(results));

        var charts = new List<(string Title, string File, byte[] Png)>();
        string? chartError = null;
        try
        {
            charts = Charts.Render(results);
            foreach (var (_, file, png) in charts)
            {
                File.WriteAllBytes(Path.Combine(dir, file), png);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or IOException)
        {
            chartError = $"charts could not be drawn: {e.GetType().Name}: {e.Message}";
        }

        var md = Markdown(options, results, charts.Select(c => (c.Title, c.File)).ToList(), chartError);
        File.WriteAllText(Path.Combine(dir, "report.md"), md);
        File.WriteAllText(Path.Combine(dir, "report.html"), Html(options, results, charts, chartError));
        return Path.GetFullPath(dir);
    }

    private static string Machine() =>
        $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss zzz", s_c)}";

    private static string Markdown(Options options, IReadOnlyList<StepResult> results, List<(string Title, string File)> charts, string? chartError)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# cndr-load report: {options.Scenario}");
        sb.AppendLine();
        sb.AppendLine($"- machine: {Machine()}");
        sb.AppendLine($"- command: `{options.CommandLine}`");
        sb.AppendLine($"- targets: {string.Join("; ", options.Targets.Select(t => $"{t.Label} = {(t.StartCommand ?? string.Join(",", t.Urls))}"))}");
        sb.AppendLine(string.Create(s_c, $"- load: {options.Shape}, step duration {options.Duration.TotalSeconds:0.#} s, warm-up {options.Warmup.TotalSeconds:0.#} s, rooms {options.Rooms}, players {options.Players}, audience {options.Audience}, size {options.SizeBytes} B"));
        sb.AppendLine("- CPU figures: server utime+stime from /proc/PID/stat over the step (connect: over the ramp), divided by the units of work; generator = this process; each split into user and kernel (sys) time. load avg = 1-minute load average at the end of the step (other work on the machine).");
        sb.AppendLine();
        sb.AppendLine("## Steps");
        sb.AppendLine();
        sb.AppendLine(Tables.StepsMarkdown(results));
        if (options.Compare)
        {
            sb.AppendLine("## Side by side");
            sb.AppendLine();
            sb.AppendLine(Tables.CompareMarkdown(results, options));
        }
        else
        {
            var sat = Tables.SaturationMarkdown(results, options);
            if (sat.Length > 0)
            {
                sb.AppendLine(sat);
            }
        }

        sb.AppendLine("## Charts");
        sb.AppendLine();
        if (chartError is not null)
        {
            sb.AppendLine(chartError);
        }

        foreach (var (title, file) in charts)
        {
            sb.AppendLine($"![{title}]({file})");
            sb.AppendLine();
        }

        return sb.ToString();
    }

    private static string Html(Options options, IReadOnlyList<StepResult> results, List<(string Title, string File, byte[] Png)> charts, string? chartError)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>cndr-load report</title>");
        sb.AppendLine("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td:first-child,th:first-child{text-align:left}.fail{color:#b00}.ok{color:#070}</style></head><body>");
        sb.AppendLine($"<h1>cndr-load report: {E(options.Scenario)}</h1>");
        sb.AppendLine($"<p>machine: {E(Machine())}<br>command: <code>{E(options.CommandLine)}</code></p>");
        sb.AppendLine("<h2>Steps</h2><table><tr>");
        foreach (var h in new[] { "target", "scenario", "step", "rate", "conns", "throughput", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "errors", "server CPU µs/unit", "server CPU %", "gen CPU µs/unit", "gen CPU %", "RSS/conn KiB", "verdict" })
        {
            sb.Append($"<th>{E(h)}</th>");
        }

        sb.AppendLine("</tr>");
        foreach (var r in results)
        {
            sb.Append("<tr>");
            foreach (var cell in new[]
            {
                r.Target, r.Scenario, r.Step.ToString(s_c), $"{r.Rate.ToString("0.##", s_c)} {r.RateUnit}", r.Connections.ToString(s_c),
                $"{r.Throughput.ToString("N0", s_c)} {r.Unit}/s", r.P50Ms.ToString("0.00", s_c), r.P90Ms.ToString("0.00", s_c), r.P99Ms.ToString("0.00", s_c),
                r.P999Ms.ToString("0.00", s_c), r.MaxMs.ToString("0.00", s_c), r.Lost.ToString(s_c), r.Errors.ToString(s_c),
                Tables.Fmt(r.ServerCpuMicrosPerUnit), Tables.Fmt(r.ServerCpuPercent, "0"), Tables.Fmt(r.GeneratorCpuMicrosPerUnit), Tables.Fmt(r.GeneratorCpuPercent, "0"),
                Tables.Fmt(r.RssBytesPerConnection / 1024, "0.0"),
            })
            {
                sb.Append($"<td>{E(cell)}</td>");
            }

            sb.AppendLine($"<td class=\"{(r.Passed ? "ok" : "fail")}\">{E(r.Verdict ?? "")}</td></tr>");
        }

        sb.AppendLine("</table>");
        if (options.Compare)
        {
            sb.AppendLine("<h2>Side by side</h2>");
            var a = options.Targets[0].Label;
            for (var other = 1; other < options.Targets.Count; other++)
            {
                var b = options.Targets[other].Label;
                foreach (var (ra, rb) in Tables.Pairs(results, options, other))
                {
                    sb.AppendLine($"<h3>{E(ra.Scenario)} step {ra.Step}: {E(a)} / {E(b)} (unit = {E(ra.Unit)})</h3><table><tr><th>figure</th><th>{E(a)}</th><th>{E(b)}</th><th>{E(a)} / {E(b)}</th></tr>");
                    foreach (var (name, get, _) in Tables.Figures)
                    {
                        var va = get(ra);
                        var vb = get(rb);
                        var ratio = double.IsNaN(va) || double.IsNaN(vb) || vb == 0 ? "n/a" : (va / vb).ToString("0.###", s_c);
                        sb.AppendLine($"<tr><td>{E(name)}</td><td>{Tables.Fmt(va)}</td><td>{Tables.Fmt(vb)}</td><td>{ratio}</td></tr>");
                    }

                    sb.AppendLine("</table>");
                }
            }
        }

        sb.AppendLine("<h2>Charts</h2>");
        if (chartError is not null)
        {
            sb.AppendLine($"<p>{E(chartError)}</p>");
        }

        foreach (var (title, _, png) in charts)
        {
            sb.AppendLine($"<h3>{E(title)}</h3><img alt=\"{E(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
        }

        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Csv(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static string StepsCsv(IReadOnlyList<StepResult> results)
    {
        var sb = new StringBuilder("target,scenario,step,rate,rate_unit,unit,duration_s,active_s,connections,sent,acked,units,lost,errors,throughput,latency_count,mean_ms,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,server_cpu_s,server_cpu_us_per_unit,server_cpu_pct,server_sys_us_per_unit,generator_cpu_s,generator_cpu_us_per_unit,generator_sys_us_per_unit,generator_cpu_pct,load_avg_1m,io_events_per_wakeup,server_rss_before_kb,server_rss_after_kb,rss_bytes_per_connection,passed,verdict\n");
        foreach (var r in results)
        {
            sb.AppendLine(string.Join(',', new[]
            {
                Csv(r.Target), r.Scenario, r.Step.ToString(s_c), r.Rate.ToString("0.###", s_c), Csv(r.RateUnit), r.Unit,
                r.DurationSeconds.ToString("0.###", s_c), r.ActiveSeconds.ToString("0.###", s_c), r.Connections.ToString(s_c),
                r.Sent.ToString(s_c), r.Acked.ToString(s_c), r.Units.ToString(s_c), r.Lost.ToString(s_c), r.Errors.ToString(s_c),
                r.Throughput.ToString("0.##", s_c), r.LatencyCount.ToString(s_c), r.MeanMs.ToString("0.###", s_c), r.P50Ms.ToString("0.###", s_c),
                r.P90Ms.ToString("0.###", s_c), r.P99Ms.ToString("0.###", s_c), r.P999Ms.ToString("0.###", s_c), r.MaxMs.ToString("0.###", s_c),
                Tables.Fmt(r.ServerCpuSeconds, "0.###"), Tables.Fmt(r.ServerCpuMicrosPerUnit, "0.###"), Tables.Fmt(r.ServerCpuPercent, "0.#"),
                Tables.Fmt(r.ServerSysMicrosPerUnit, "0.###"), r.GeneratorCpuSeconds.ToString("0.###", s_c), Tables.Fmt(r.GeneratorCpuMicrosPerUnit, "0.###"),
                Tables.Fmt(r.GeneratorSysMicrosPerUnit, "0.###"), Tables.Fmt(r.GeneratorCpuPercent, "0.#"), Tables.Fmt(r.LoadAverage, "0.##"), Tables.Fmt(r.IoEventsPerWakeup, "0.##"),
                r.ServerRssBeforeKb.ToString(s_c), r.ServerRssAfterKb.ToString(s_c), Tables.Fmt(r.RssBytesPerConnection, "0"),
                r.Passed ? "true" : "false", Csv(r.Verdict ?? ""),
            }));
        }

        return sb.ToString();
    }

    private static string SeriesCsv(IReadOnlyList<StepResult> results)
    {
        var sb = new StringBuilder("target,scenario,step,second,units_per_s,sent_per_s,p50_ms,p99_ms,max_ms\n");
        foreach (var r in results)
        {
            foreach (var p in r.Series)
            {
                sb.AppendLine(string.Create(s_c, $"{Csv(r.Target)},{r.Scenario},{r.Step},{p.Second},{p.UnitsPerSecond:0.##},{p.SentPerSecond:0.##},{Tables.Fmt(p.P50Ms, "0.###")},{Tables.Fmt(p.P99Ms, "0.###")},{Tables.Fmt(p.MaxMs, "0.###")}"));
            }
        }

        return sb.ToString();
    }
}
