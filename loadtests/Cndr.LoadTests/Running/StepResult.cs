namespace Cndr.LoadTests.Running;

/// <summary>One second of a step.</summary>
internal sealed record SeriesPoint(double Second, double UnitsPerSecond, double SentPerSecond, double P50Ms, double P99Ms, double MaxMs);

/// <summary>The figures of one step against one target (rows of the CSV/JSON report).</summary>
internal sealed class StepResult
{
    public required string Target { get; init; }

    public required string Scenario { get; init; }

    public required int Step { get; init; }

    public required double Rate { get; init; }

    public required string RateUnit { get; init; }

    public required string Unit { get; init; }

    public double DurationSeconds { get; set; }

    public double ActiveSeconds { get; set; }

    public int Connections { get; set; }

    public long Sent { get; set; }

    public long Acked { get; set; }

    public long Units { get; set; }

    public long Lost { get; set; }

    public long Errors { get; set; }

    public string? ErrorSample { get; set; }

    public string? CheckFailure { get; set; }

    public double Throughput { get; set; }

    public long LatencyCount { get; set; }

    public double MeanMs { get; set; }

    public double P50Ms { get; set; }

    public double P90Ms { get; set; }

    public double P99Ms { get; set; }

    public double P999Ms { get; set; }

    public double MaxMs { get; set; }

    public double ServerCpuSeconds { get; set; } = double.NaN;

    public double ServerCpuMicrosPerUnit { get; set; } = double.NaN;

    public double ServerCpuPercent { get; set; } = double.NaN;

    /// <summary>Kernel part of <see cref="ServerCpuSeconds"/> (stime).</summary>
    public double ServerSysSeconds { get; set; } = double.NaN;

    public double ServerSysMicrosPerUnit { get; set; } = double.NaN;

    public double GeneratorCpuSeconds { get; set; }

    /// <summary>Kernel part of <see cref="GeneratorCpuSeconds"/> (stime).</summary>
    public double GeneratorSysSeconds { get; set; }

    public double GeneratorSysMicrosPerUnit { get; set; } = double.NaN;

    /// <summary>1-minute load average at the end of the step (other work on the machine shows here).</summary>
    public double LoadAverage { get; set; } = double.NaN;

    /// <summary>Ready connections per epoll wake-up of the generator's receive loop (batching).</summary>
    public double IoEventsPerWakeup { get; set; } = double.NaN;

    public double GeneratorCpuMicrosPerUnit { get; set; }

    public double GeneratorCpuPercent { get; set; }

    public long ServerRssBeforeKb { get; set; } = -1;

    public long ServerRssAfterKb { get; set; } = -1;

    /// <summary>connect: (RSS after hold − RSS before) / connections, in bytes.</summary>
    public double RssBytesPerConnection { get; set; } = double.NaN;

    public bool Passed { get; set; }

    public string? Verdict { get; set; }

    public List<SeriesPoint> Series { get; } = [];
}
