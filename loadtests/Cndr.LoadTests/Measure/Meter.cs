using System.Diagnostics;
using HdrHistogram;

namespace Cndr.LoadTests.Measure;

/// <summary>
/// What one step records: counters touched by readers and the pacer (Interlocked), and a latency recorder
/// (HdrHistogram, microseconds) that hands out one interval histogram per second for the time series.
/// </summary>
internal sealed class Meter
{
    /// <summary>Latencies above this (60 s) are clamped.</summary>
    public const long MaxMicros = 60_000_000;

    private readonly Recorder _recorder = new(1, MaxMicros, 3, static (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
    private HistogramBase? _interval;
    private long _sent;
    private long _acked;
    private long _delivered;
    private long _errors;
    private long _expected;
    private string? _errorSample;

    public long Sent => Volatile.Read(ref _sent);

    public long Acked => Volatile.Read(ref _acked);

    public long Delivered => Volatile.Read(ref _delivered);

    public long Errors => Volatile.Read(ref _errors);

    /// <summary>Deliveries that should arrive (scenario-specific; e.g. acked updates × receivers).</summary>
    public long Expected => Volatile.Read(ref _expected);

    public string? ErrorSample => Volatile.Read(ref _errorSample);

    /// <summary>The histogram of the whole step (sum of intervals taken so far).</summary>
    public LongHistogram Total { get; } = new(1, MaxMicros, 3);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountAcked() => Interlocked.Increment(ref _acked);

    public void AddExpected(long n) => Interlocked.Add(ref _expected, n);

    public void CountError(string sample)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _errorSample, sample, null);
    }

    /// <summary>One delivery whose send time (Stopwatch ticks) is <paramref name="sentTicks"/>.</summary>
    public void RecordDelivery(long sentTicks)
    {
        Interlocked.Increment(ref _delivered);
        RecordLatency(sentTicks);
    }

    public void CountDelivered() => Interlocked.Increment(ref _delivered);

    public void RecordLatency(long sentTicks)
    {
        var micros = (Stopwatch.GetTimestamp() - sentTicks) * 1_000_000 / Stopwatch.Frequency;
        _recorder.RecordValue(Math.Clamp(micros, 1, MaxMicros));
    }

    /// <summary>Takes the histogram recorded since the last call and folds it into <see cref="Total"/>.</summary>
    public HistogramBase TakeInterval()
    {
        var interval = _recorder.GetIntervalHistogram(_interval);
        Total.Add(interval);
        _interval = interval;
        return interval;
    }
}

/// <summary>CPU time and RSS of processes, from /proc (Linux).</summary>
internal static class ProcStats
{
    /// <summary>USER_HZ: fixed at 100 by the Linux ABI for /proc/*/stat times.</summary>
    private const double TicksPerSecond = 100.0;

    /// <summary>utime + stime in seconds, or NaN when the process cannot be read.</summary>
    public static double CpuSeconds(int pid)
    {
        var (user, sys) = CpuSplit(pid);
        return user + sys;
    }

    /// <summary>(utime, stime) in seconds, or NaNs when the process cannot be read.</summary>
    public static (double User, double Sys) CpuSplit(int pid)
    {
        try
        {
            var text = File.ReadAllText(pid == 0 ? "/proc/self/stat" : $"/proc/{pid}/stat");
            // comm may contain spaces and parentheses: fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state); utime is field 14, stime field 15.
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) / TicksPerSecond,
                    long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture) / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (double.NaN, double.NaN);
        }
    }

    public static (double User, double Sys) CpuSplit(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        double user = 0, sys = 0;
        foreach (var pid in pids)
        {
            var (u, s) = CpuSplit(pid);
            user += u;
            sys += s;
        }

        return (user, sys);
    }

    /// <summary>The 1-minute load average (/proc/loadavg), or NaN.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }

    public static double CpuSeconds(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return double.NaN;
        }

        var sum = 0.0;
        foreach (var pid in pids)
        {
            sum += CpuSeconds(pid);
        }

        return sum;
    }

    /// <summary>VmRSS in KiB, or -1.</summary>
    public static long RssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return -1;
    }

    public static long RssKb(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return -1;
        }

        long sum = 0;
        foreach (var pid in pids)
        {
            var v = RssKb(pid);
            if (v < 0)
            {
                return -1;
            }

            sum += v;
        }

        return sum;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");
}
