using Cndr.LoadTests.Running;
using ScottPlot;

namespace Cndr.LoadTests.Reports;

/// <summary>Latency-over-time and throughput charts (ScottPlot), one line per target and scenario, steps laid end to end.</summary>
internal static class Charts
{
    public static List<(string Title, string File, byte[] Png)> Render(IReadOnlyList<StepResult> results)
    {
        var charts = new List<(string, string, byte[])>();
        foreach (var scenario in results.Select(r => r.Scenario).Distinct())
        {
            var latency = new Plot();
            var throughput = new Plot();
            foreach (var target in results.Where(r => r.Scenario == scenario).Select(r => r.Target).Distinct())
            {
                var xs = new List<double>();
                var p50 = new List<double>();
                var p99 = new List<double>();
                var tput = new List<double>();
                var offset = 0.0;
                foreach (var r in results.Where(r => r.Scenario == scenario && r.Target == target))
                {
                    foreach (var p in r.Series)
                    {
                        xs.Add(offset + p.Second);
                        p50.Add(double.IsNaN(p.P50Ms) ? 0 : p.P50Ms);
                        p99.Add(double.IsNaN(p.P99Ms) ? 0 : p.P99Ms);
                        tput.Add(p.UnitsPerSecond);
                    }

                    offset += Math.Ceiling(r.DurationSeconds);
                }

                if (xs.Count == 0)
                {
                    continue;
                }

                var s99 = latency.Add.Scatter(xs.ToArray(), p99.ToArray());
                s99.LegendText = $"{target} p99";
                var s50 = latency.Add.Scatter(xs.ToArray(), p50.ToArray());
                s50.LegendText = $"{target} p50";
                var st = throughput.Add.Scatter(xs.ToArray(), tput.ToArray());
                st.LegendText = target;
            }

            var unit = results.First(r => r.Scenario == scenario).Unit;
            latency.Title($"{scenario}: latency per second");
            latency.YLabel("ms");
            latency.XLabel("s (steps end to end)");
            latency.ShowLegend();
            throughput.Title($"{scenario}: throughput");
            throughput.YLabel($"{unit}/s");
            throughput.XLabel("s (steps end to end)");
            throughput.ShowLegend();
            charts.Add(($"{scenario}: latency over time", $"{scenario}-latency.png", latency.GetImageBytes(900, 420, ImageFormat.Png)));
            charts.Add(($"{scenario}: throughput", $"{scenario}-throughput.png", throughput.GetImageBytes(900, 420, ImageFormat.Png)));
        }

        return charts;
    }
}
