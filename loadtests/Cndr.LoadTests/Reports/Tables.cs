using System.Globalization;
using System.Text;
using Cndr.LoadTests.Running;
using Spectre.Console;

namespace Cndr.LoadTests.Reports;

/// <summary>The step table and the side-by-side comparison, as Markdown and as a Spectre table.</summary>
internal static class Tables
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static string Fmt(double v, string format = "0.##") => double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString(format, s_c);

    public static string StepsMarkdown(IReadOnlyList<StepResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| target | scenario | step | rate | conns | throughput | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | lost | errors | server CPU µs/unit (sys) | server CPU % | gen CPU µs/unit (sys) | gen CPU % | load avg | RSS/conn KiB | verdict |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            sb.Append(s_c, $"| {r.Target} | {r.Scenario} | {r.Step} | {r.Rate:0.##} {r.RateUnit} | {r.Connections} | {r.Throughput:N0} {r.Unit}/s | ");
            sb.Append(s_c, $"{r.P50Ms:0.00} | {r.P90Ms:0.00} | {r.P99Ms:0.00} | {r.P999Ms:0.00} | {r.MaxMs:0.00} | {r.Lost} | {r.Errors} | ");
            sb.Append(s_c, $"{Fmt(r.ServerCpuMicrosPerUnit)} ({Fmt(r.ServerSysMicrosPerUnit)}) | {Fmt(r.ServerCpuPercent, "0")} | {Fmt(r.GeneratorCpuMicrosPerUnit)} ({Fmt(r.GeneratorSysMicrosPerUnit)}) | {Fmt(r.GeneratorCpuPercent, "0")} | {Fmt(r.LoadAverage)} | ");
            sb.Append(s_c, $"{Fmt(r.RssBytesPerConnection / 1024, "0.0")} | {(r.Verdict ?? "").Replace("|", "/", StringComparison.Ordinal)} |");
            sb.AppendLine();
        }

        return sb.ToString();
    }

    /// <summary>Figures compared side by side: name, getter, whether lower is better.</summary>
    public static readonly (string Name, Func<StepResult, double> Get, bool LowerIsBetter)[] Figures =
    [
        ("throughput (units/s)", r => r.Throughput, false),
        ("p50 ms", r => r.P50Ms, true),
        ("p90 ms", r => r.P90Ms, true),
        ("p99 ms", r => r.P99Ms, true),
        ("p99.9 ms", r => r.P999Ms, true),
        ("max ms", r => r.MaxMs, true),
        ("lost", r => r.Lost, true),
        ("errors", r => r.Errors, true),
        ("server CPU µs/unit", r => r.ServerCpuMicrosPerUnit, true),
        ("server CPU µs/unit, kernel part", r => r.ServerSysMicrosPerUnit, true),
        ("server CPU s", r => r.ServerCpuSeconds, true),
        ("server CPU %", r => r.ServerCpuPercent, true),
        ("generator CPU µs/unit", r => r.GeneratorCpuMicrosPerUnit, true),
        ("generator CPU µs/unit, kernel part", r => r.GeneratorSysMicrosPerUnit, true),
        ("generator CPU %", r => r.GeneratorCpuPercent, true),
        ("load average (1 min)", r => r.LoadAverage, true),
        ("server RSS after (MiB)", r => r.ServerRssAfterKb < 0 ? double.NaN : r.ServerRssAfterKb / 1024.0, true),
        ("RSS per connection (KiB)", r => r.RssBytesPerConnection / 1024, true),
    ];

    /// <summary>Pairs of (first target, target <paramref name="other"/>) steps with the same scenario and step number.</summary>
    public static List<(StepResult A, StepResult B)> Pairs(IReadOnlyList<StepResult> results, Options options, int other)
    {
        var a = options.Targets[0].Label;
        var b = options.Targets[other].Label;
        var pairs = new List<(StepResult, StepResult)>();
        foreach (var ra in results.Where(r => r.Target == a))
        {
            var rb = results.FirstOrDefault(r => r.Target == b && r.Scenario == ra.Scenario && r.Step == ra.Step);
            if (rb is not null)
            {
                pairs.Add((ra, rb));
            }
        }

        return pairs;
    }

    private static string Ratio(double a, double b) =>
        double.IsNaN(a) || double.IsNaN(b) ? "n/a" : b == 0 ? (a == 0 ? "1" : "∞") : (a / b).ToString("0.###", s_c);

    public static string CompareMarkdown(IReadOnlyList<StepResult> results, Options options)
    {
        var sb = new StringBuilder();
        for (var other = 1; other < options.Targets.Count; other++)
        {
            CompareMarkdown(sb, results, options, other);
        }

        var sat = SaturationMarkdown(results, options);
        if (sat.Length > 0)
        {
            sb.AppendLine(sat);
        }

        return sb.ToString();
    }

    private static void CompareMarkdown(StringBuilder sb, IReadOnlyList<StepResult> results, Options options, int other)
    {
        var a = options.Targets[0].Label;
        var b = options.Targets[other].Label;
        foreach (var (ra, rb) in Pairs(results, options, other))
        {
            sb.AppendLine(string.Create(s_c, $"**{ra.Scenario} step {ra.Step}** ({a}: {ra.Rate:0.##}, {b}: {rb.Rate:0.##} {ra.RateUnit}; unit = {ra.Unit})"));
            sb.AppendLine();
            sb.AppendLine($"| figure | {a} | {b} | {a} / {b} |");
            sb.AppendLine("|---|---:|---:|---:|");
            foreach (var (name, get, _) in Figures)
            {
                sb.AppendLine($"| {name} | {Fmt(get(ra))} | {Fmt(get(rb))} | {Ratio(get(ra), get(rb))} |");
            }

            sb.AppendLine();
        }
    }

    public static string SaturationMarkdown(IReadOnlyList<StepResult> results, Options options)
    {
        var good = results.Where(r => r.Verdict == "last good (saturation)").ToList();
        if (good.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder("**Saturation (last good step: p99 ≤ " + options.P99MaxMs.ToString(s_c) + " ms, nothing lost)**\n\n");
        sb.AppendLine("| target | scenario | step | rate | throughput | p99 ms | server CPU µs/unit | gen CPU % |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in good)
        {
            sb.AppendLine(string.Create(s_c, $"| {r.Target} | {r.Scenario} | {r.Step} | {r.Rate:0.##} | {r.Throughput:N0} {r.Unit}/s | {r.P99Ms:0.00} | {Fmt(r.ServerCpuMicrosPerUnit)} | {Fmt(r.GeneratorCpuPercent, "0")} |"));
        }

        return sb.ToString();
    }

    public static Table CompareTable(IReadOnlyList<StepResult> results, Options options, int other)
    {
        var a = options.Targets[0].Label;
        var b = options.Targets[other].Label;
        var table = new Table().Border(TableBorder.Rounded).Title($"{Markup.Escape(a)} vs {Markup.Escape(b)} (ratio = {Markup.Escape(a)} / {Markup.Escape(b)})");
        table.AddColumn("scenario / step");
        table.AddColumn("figure");
        table.AddColumn(new TableColumn(Markup.Escape(a)).RightAligned());
        table.AddColumn(new TableColumn(Markup.Escape(b)).RightAligned());
        table.AddColumn(new TableColumn("ratio").RightAligned());
        foreach (var (ra, rb) in Pairs(results, options, other))
        {
            var first = true;
            foreach (var (name, get, lower) in Figures)
            {
                var va = get(ra);
                var vb = get(rb);
                var ratio = Ratio(va, vb);
                var better = !double.IsNaN(va) && !double.IsNaN(vb) && va != vb && (lower ? va < vb : va > vb);
                table.AddRow(
                    first ? $"{ra.Scenario} #{ra.Step}" : "",
                    Markup.Escape(name),
                    Fmt(va),
                    Fmt(vb),
                    better ? $"[green]{ratio}[/]" : ratio);
                first = false;
            }

            table.AddEmptyRow();
        }

        return table;
    }
}
