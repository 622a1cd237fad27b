using System.Globalization;
using System.Text;
using Cndr.Core.Diagnostics;

namespace Cndr.Host.Metrics;

/// <summary>
/// Writes a <see cref="CommandLatency"/> as a Prometheus text-format histogram (<c>_bucket</c> with cumulative
/// <c>le</c> counts, <c>_sum</c>, <c>_count</c>), one series per label value that has been measured.
/// </summary>
internal static class PrometheusHistogramText
{
    public static void Write(Stream output, string name, string help, string label, IReadOnlyList<string> values, CommandLatency latency)
    {
        var bounds = CommandLatency.BucketBounds;
        Span<long> cumulative = stackalloc long[bounds.Count + 1];
        var sb = new StringBuilder(4096);
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(" histogram\n");
        for (var i = 1; i < values.Count; i++)
        {
            var sum = latency.Read(i, cumulative);
            var count = cumulative[bounds.Count];
            if (count == 0)
            {
                continue;
            }

            for (var b = 0; b <= bounds.Count; b++)
            {
                var le = b < bounds.Count ? bounds[b].ToString("R", CultureInfo.InvariantCulture) : "+Inf";
                sb.Append(name).Append("_bucket{").Append(label).Append("=\"").Append(values[i]).Append("\",le=\"").Append(le).Append("\"} ")
                    .Append(cumulative[b].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            sb.Append(name).Append("_sum{").Append(label).Append("=\"").Append(values[i]).Append("\"} ").Append(sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            sb.Append(name).Append("_count{").Append(label).Append("=\"").Append(values[i]).Append("\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        output.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
