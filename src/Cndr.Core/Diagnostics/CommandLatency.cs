using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cndr.Core.Diagnostics;

/// <summary>
/// How long each relay command takes, from dispatch to its reply (store round trip included), per command:
/// fixed buckets counted with <see cref="Interlocked"/> (read by the Prometheus exporter at scrape time) and,
/// when a <see cref="Meter"/> is attached, the same measurement recorded on a <see cref="Histogram{T}"/>
/// (<c>cndr.command.duration</c>, seconds) for dotnet-counters and OpenTelemetry. Recording allocates nothing:
/// the tag value is a string made once per command.
/// </summary>
public sealed class CommandLatency
{
    /// <summary>Upper bounds of the buckets, in seconds (the last bucket, +Inf, is implicit).</summary>
    public static IReadOnlyList<double> BucketBounds { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly long[] s_boundTicks = BucketBounds.Select(s => (long)(s * Stopwatch.Frequency)).ToArray();

    private readonly int _commands;
    private readonly int _stride = s_boundTicks.Length + 1;
    private readonly long[] _buckets;     // [command * stride + bucket], not cumulative
    private readonly long[] _sumTicks;    // per command
    private readonly KeyValuePair<string, object?>[] _tags;
    private Histogram<double>? _histogram;

    internal CommandLatency(IReadOnlyList<string> commandNames)
    {
        _commands = commandNames.Count;
        _buckets = new long[_commands * _stride];
        _sumTicks = new long[_commands];
        _tags = commandNames.Select(n => new KeyValuePair<string, object?>("command", n)).ToArray();
    }

    /// <summary>Also records on <c>cndr.command.duration</c> of <paramref name="meter"/> (call once, at start-up).</summary>
    public void Attach(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _histogram = meter.CreateHistogram<double>(
            "cndr.command.duration",
            unit: "s",
            description: "Time from a command's dispatch to its reply, by command.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BucketBounds });
    }

    /// <summary>Counts one command that started at <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    internal void Record(int command, long startTimestamp)
    {
        var ticks = Stopwatch.GetTimestamp() - startTimestamp;
        var bucket = 0;
        var bounds = s_boundTicks;
        while (bucket < bounds.Length && ticks > bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _buckets[(command * _stride) + bucket]);
        Interlocked.Add(ref _sumTicks[command], ticks);
        _histogram?.Record((double)ticks / Stopwatch.Frequency, _tags[command]);
    }

    /// <summary>
    /// The cumulative bucket counts of <paramref name="command"/> into <paramref name="cumulative"/> (one per bound,
    /// then +Inf = the total count), and the sum in seconds.
    /// </summary>
    public double Read(int command, Span<long> cumulative)
    {
        long running = 0;
        for (var b = 0; b < _stride; b++)
        {
            running += Volatile.Read(ref _buckets[(command * _stride) + b]);
            cumulative[b] = running;
        }

        return (double)Volatile.Read(ref _sumTicks[command]) / Stopwatch.Frequency;
    }
}
