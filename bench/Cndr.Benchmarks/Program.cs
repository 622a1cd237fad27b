using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Cndr.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Cndr.Benchmarks -- [--quick] [--summary FILE] [BenchmarkDotNet options]</c>.
/// <c>--quick</c> uses a short job; <c>--summary FILE</c> writes one combined Markdown table (Method, Mean, Allocated)
/// of every benchmark that ran. Everything else goes to BenchmarkSwitcher (e.g. <c>--filter '*Dispatch*'</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        var quick = false;
        string? summaryPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick")
            {
                quick = true;
            }
            else if (args[i] == "--summary" && i + 1 < args.Length)
            {
                summaryPath = args[++i];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        IConfig config = new BenchConfig(quick);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config).ToList();
        var table = CombinedTable(summaries);
        if (summaryPath is not null)
        {
            File.WriteAllText(summaryPath, table);
        }

        Console.WriteLine();
        Console.WriteLine(table);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>One Markdown table over every report: benchmark (class.method with parameters), mean, ops/s, allocated per operation.</summary>
    private static string CombinedTable(IEnumerable<Summary> summaries)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Benchmark | Mean | Ops/s | Allocated |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                var b = report.BenchmarkCase;
                var name = b.Descriptor.Type.Name.Replace("Benchmarks", "", StringComparison.Ordinal) + "." + b.Descriptor.WorkloadMethod.Name;
                if (b.HasParameters)
                {
                    name += "(" + string.Join(", ", b.Parameters.Items.Select(p => $"{p.Name}={p.Value}")) + ")";
                }

                var stats = report.ResultStatistics;
                var mean = stats is null ? "failed" : FormatTime(stats.Mean);
                var ops = stats is null ? "-" : (1e9 / stats.Mean).ToString("N0", CultureInfo.InvariantCulture);
                var bytes = report.GcStats.GetBytesAllocatedPerOperation(b);
                var allocated = bytes is null ? "-" : bytes.Value.ToString("N0", CultureInfo.InvariantCulture) + " B";
                sb.Append("| ").Append(name).Append(" | ").Append(mean).Append(" | ").Append(ops).Append(" | ").Append(allocated).AppendLine(" |");
            }
        }

        return sb.ToString();
    }

    private static string FormatTime(double ns) => ns switch
    {
        < 1_000 => ns.ToString("N1", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (ns / 1_000).ToString("N2", CultureInfo.InvariantCulture) + " µs",
        _ => (ns / 1_000_000).ToString("N2", CultureInfo.InvariantCulture) + " ms",
    };
}
