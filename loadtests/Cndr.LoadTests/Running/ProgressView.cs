using System.Globalization;
using Cndr.LoadTests.Measure;
using Cndr.LoadTests.Reports;
using Cndr.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cndr.LoadTests.Running;

/// <summary>Where progress goes while a run is under way.</summary>
internal interface IProgressView
{
    void Log(string line);

    void StepStarted(StepResult result, StepPlan plan);

    void Sample(StepResult result, SeriesPoint point, Meter meter);

    void StepFinished(StepResult result);

    void Done(IReadOnlyList<StepResult> results, Options options);
}

/// <summary>Plain lines (CI, pipes): one per second and one per step.</summary>
internal sealed class PlainView : IProgressView
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public void Log(string line) => Console.WriteLine(line);

    public void StepStarted(StepResult result, StepPlan plan) =>
        Console.WriteLine(string.Create(s_c, $"[{result.Target}] {result.Scenario} step {result.Step}: {plan.Rate:0.##} {result.RateUnit} for {plan.Duration.TotalSeconds:0.#} s (max {plan.MaxCount:N0})"));

    public void Sample(StepResult result, SeriesPoint p, Meter meter) =>
        Console.WriteLine(string.Create(s_c, $"  t={p.Second,5:0.0}s {p.UnitsPerSecond,10:N0} {result.Unit}/s  sent {meter.Sent:N0}  p50 {p.P50Ms,7:0.00} ms  p99 {p.P99Ms,7:0.00} ms  errors {meter.Errors}"));

    public void StepFinished(StepResult r) => Console.WriteLine(Summary(r));

    public void Done(IReadOnlyList<StepResult> results, Options options)
    {
        Console.WriteLine();
        Console.WriteLine(Tables.StepsMarkdown(results));
        if (options.Compare)
        {
            Console.WriteLine(Tables.CompareMarkdown(results, options));
        }
    }

    // InvariantGlobalization is on: plain interpolation formats invariantly.
    public static string Summary(StepResult r) =>
        $"[{r.Target}] {r.Scenario} step {r.Step} {(r.Passed ? "OK" : "FAIL")}: {r.Throughput:N0} {r.Unit}/s, lost {r.Lost}, errors {r.Errors}, " +
        $"p50 {r.P50Ms:0.00} p90 {r.P90Ms:0.00} p99 {r.P99Ms:0.00} p99.9 {r.P999Ms:0.00} max {r.MaxMs:0.00} ms, " +
        $"server CPU {Tables.Fmt(r.ServerCpuMicrosPerUnit)} µs/{r.Unit} (sys {Tables.Fmt(r.ServerSysMicrosPerUnit)}; {Tables.Fmt(r.ServerCpuPercent)}%), " +
        $"generator {Tables.Fmt(r.GeneratorCpuMicrosPerUnit)} µs/{r.Unit} (sys {Tables.Fmt(r.GeneratorSysMicrosPerUnit)}; {Tables.Fmt(r.GeneratorCpuPercent)}%), " +
        $"load avg {Tables.Fmt(r.LoadAverage)}, {Tables.Fmt(r.IoEventsPerWakeup)} ready conns/wake-up" +
        (double.IsNaN(r.RssBytesPerConnection) ? "" : $", RSS/conn {r.RssBytesPerConnection / 1024:0.0} KiB") +
        (r.Passed ? "" : $" — {r.Verdict}");
}

/// <summary>Spectre.Console live table (interactive terminals).</summary>
internal sealed class LiveView : IProgressView
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;
    private readonly Lock _lock = new();
    private readonly List<string> _log = [];
    private readonly List<StepResult> _finished = [];
    private LiveDisplayContext? _context;
    private string _current = "";

    public async Task RunAsync(Func<Task> body)
    {
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async ctx =>
        {
            _context = ctx;
            await body();
            Refresh();
        });
    }

    public void Log(string line)
    {
        lock (_lock)
        {
            _log.Add(line);
            if (_log.Count > 8)
            {
                _log.RemoveAt(0);
            }
        }

        Refresh();
    }

    public void StepStarted(StepResult result, StepPlan plan)
    {
        lock (_lock)
        {
            _current = string.Create(s_c, $"[bold]{Markup.Escape(result.Target)}[/] {result.Scenario} step {result.Step}: {plan.Rate:0.##} {Markup.Escape(result.RateUnit)} for {plan.Duration.TotalSeconds:0.#} s");
        }

        Refresh();
    }

    public void Sample(StepResult result, SeriesPoint p, Meter meter)
    {
        lock (_lock)
        {
            _current = string.Create(s_c,
                $"[bold]{Markup.Escape(result.Target)}[/] {result.Scenario} step {result.Step} @ {result.Rate:0.##} {Markup.Escape(result.RateUnit)} — t={p.Second:0}s  " +
                $"[green]{p.UnitsPerSecond:N0}[/] {result.Unit}/s  sent {meter.Sent:N0}  p50 {p.P50Ms:0.00} ms  p99 [yellow]{p.P99Ms:0.00}[/] ms  errors {(meter.Errors > 0 ? "[red]" + meter.Errors + "[/]" : "0")}");
        }

        Refresh();
    }

    public void StepFinished(StepResult result)
    {
        lock (_lock)
        {
            _finished.Add(result);
            _current = "";
        }

        Refresh();
    }

    public void Done(IReadOnlyList<StepResult> results, Options options)
    {
        Refresh();
        if (options.Compare)
        {
            _context = null;
            for (var other = 1; other < options.Targets.Count; other++)
            {
                AnsiConsole.Write(Tables.CompareTable(results, options, other));
            }
        }
    }

    private void Refresh()
    {
        var ctx = _context;
        if (ctx is null)
        {
            return;
        }

        lock (_lock)
        {
            ctx.UpdateTarget(Render());
        }
    }

    private IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("cndr-load");
        foreach (var h in new[] { "target", "scenario", "step", "rate", "throughput", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost", "errors", "server µs/unit", "gen µs/unit", "verdict" })
        {
            table.AddColumn(h);
        }

        foreach (var r in _finished)
        {
            table.AddRow(
                Markup.Escape(r.Target), r.Scenario, r.Step.ToString(s_c), r.Rate.ToString("0.##", s_c),
                r.Throughput.ToString("N0", s_c) + " " + r.Unit + "/s", r.P50Ms.ToString("0.00", s_c), r.P99Ms.ToString("0.00", s_c),
                r.P999Ms.ToString("0.00", s_c), r.MaxMs.ToString("0.00", s_c), r.Lost.ToString(s_c), r.Errors.ToString(s_c),
                Tables.Fmt(r.ServerCpuMicrosPerUnit), Tables.Fmt(r.GeneratorCpuMicrosPerUnit),
                r.Passed ? "[green]" + Markup.Escape(r.Verdict ?? "ok") + "[/]" : "[red]" + Markup.Escape(r.Verdict ?? "fail") + "[/]");
        }

        var rows = new List<IRenderable> { table };
        if (_current.Length > 0)
        {
            rows.Add(new Markup(_current));
        }

        foreach (var l in _log)
        {
            rows.Add(new Text(l, new Style(Color.Grey)));
        }

        return new Rows(rows);
    }
}
