using System.Diagnostics;
using Cndr.LoadTests.Client;
using Cndr.LoadTests.Measure;
using Cndr.LoadTests.Reports;
using Cndr.LoadTests.Scenarios;

namespace Cndr.LoadTests.Running;

/// <summary>
/// Runs a scenario (crossnode: two) against one target, or against two alternately (--compare): setup,
/// an unrecorded warm-up, then the steps of the load simulation, each measured (counters, latency
/// histogram per second, server and generator CPU from /proc), then the report.
/// </summary>
internal sealed class Runner(Options options, IProgressView view)
{
    private readonly List<StepResult> _results = [];

    public IReadOnlyList<StepResult> Results => _results;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var reportDir = options.ReportDir ?? Path.Combine("loadtests", "reports", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        await using var launcher = new ServerLauncher();
        var runtimes = new List<TargetRuntime>();
        try
        {
            foreach (var spec in options.Targets)
            {
                var urls = spec.Urls;
                var pids = spec.Pids;
                if (spec.StartCommand is not null)
                {
                    (urls, pids) = await launcher.StartAsync(spec, options, reportDir, view.Log, cancellationToken);
                }

                var endpoints = urls.Select(u => TargetEndpoint.Parse(u, options.SocketIOPath, options.AllowRemote)).ToList();
                foreach (var pid in pids.Where(p => !ProcStats.IsAlive(p)))
                {
                    throw new ArgumentException($"no process {pid} (--server-pid)");
                }

                if (pids.Count == 0)
                {
                    view.Log($"{spec.Label}: no server PID given: server CPU and RSS are not measured");
                }

                runtimes.Add(new TargetRuntime(spec.Label, endpoints, pids, options.AdminToken) { IsFloor = spec.IsFloor });
            }

            if (options.Scenario.StartsWith("crossnode", StringComparison.Ordinal) && runtimes.Any(r => !r.IsFloor && r.Endpoints.Count < 2))
            {
                view.Log("crossnode with a single node: every delivery stays on one node (give several --url, or --nodes 2 with --start)");
            }

            var phases = options.Scenario == "crossnode" ? new[] { "crossnode-fanout", "crossnode-inbound" } : [options.Scenario];
            var failed = false;
            foreach (var phase in phases)
            {
                failed |= !await RunPhaseAsync(phase, runtimes, cancellationToken);
            }

            view.Done(_results, options);
            if (!options.NoReport)
            {
                var written = ReportWriter.Write(reportDir, options, _results);
                view.Log($"report: {written}");
            }

            return failed ? 1 : 0;
        }
        finally
        {
            foreach (var r in runtimes)
            {
                r.Dispose();
            }
        }
    }

    private Scenario Create(string phase, TargetRuntime t) => t.IsFloor ? new FloorScenario(options, t) : phase switch
    {
        "fanout" => new FanoutScenario(options, t, crossNode: false),
        "crossnode-fanout" => new FanoutScenario(options, t, crossNode: true),
        "inbound" => new InboundScenario(options, t, crossNode: false),
        "crossnode-inbound" => new InboundScenario(options, t, crossNode: true),
        "polls" => new PollsScenario(options, t),
        "connect" => new ConnectScenario(options, t),
        "churn" => new ChurnScenario(options, t),
        _ => throw new ArgumentException($"unknown scenario {phase}"),
    };

    /// <summary>Returns false when a step failed in a way that fails the run.</summary>
    private async Task<bool> RunPhaseAsync(string phase, List<TargetRuntime> runtimes, CancellationToken cancellationToken)
    {
        var scenarios = runtimes.Select(t => Create(phase, t)).ToList();
        var ok = true;
        try
        {
            foreach (var s in scenarios)
            {
                try
                {
                    await s.SetupAsync(view.Log, cancellationToken);
                }
                catch (Exception e) when (e is JoinFailedException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    view.Log($"{phase}: setup failed: {e.Message}");
                    return false;
                }
            }

            var rateOverride = options.Scenario == "crossnode" && phase == "crossnode-inbound" && options.Shape == LoadShape.Constant ? options.InboundRate : null;
            var rates = rateOverride is { } r ? [r] : options.PlannedRates(scenarios[0].DefaultRate);
            if (options.Warmup > TimeSpan.Zero)
            {
                foreach (var s in scenarios)
                {
                    view.Log($"{s.Name} @ {s.Label(runtimes, scenarios)}: warm-up {options.Warmup.TotalSeconds:0.#} s at {rates[0]:0.##} {s.RateUnit}");
                    s.BeginStep();
                    await s.RunStepAsync(new StepPlan(0, rates[0], options.Warmup, options.MaxCount, IsWarmup: true), cancellationToken);
                }
            }

            var rateOf = scenarios.Select(_ => rates[0]).ToArray();
            var stopped = new bool[scenarios.Count];
            var lastGood = new StepResult?[scenarios.Count];
            var searches = scenarios.Select(_ => new SaturationSearch(options)).ToArray();
            var saturate = options.Shape == LoadShape.Saturate;
            for (var step = 1; saturate || step <= rates.Count; step++)
            {
                for (var i = 0; i < scenarios.Count; i++)
                {
                    if (stopped[i])
                    {
                        continue;
                    }

                    var rate = saturate ? rateOf[i] : rates[step - 1];
                    await SettleAsync(runtimes, cancellationToken);
                    var result = await RunStepAsync(scenarios[i], runtimes[i], new StepPlan(step, rate, options.Duration, options.MaxCount, IsWarmup: false), cancellationToken);
                    _results.Add(result);
                    view.StepFinished(result);
                    if (result.CheckFailure is not null)
                    {
                        ok = false;
                    }

                    if (saturate)
                    {
                        if (result.Passed && (lastGood[i] is not { } g || rate >= g.Rate))
                        {
                            lastGood[i] = result;
                        }

                        if (searches[i].Next(rate, result.Passed) is { } next)
                        {
                            rateOf[i] = next;
                        }
                        else
                        {
                            stopped[i] = true;
                        }
                    }
                    else if (!result.Passed)
                    {
                        ok = false;
                    }
                }

                if (stopped.All(s => s))
                {
                    break;
                }
            }

            if (options.Shape == LoadShape.Saturate)
            {
                for (var i = 0; i < scenarios.Count; i++)
                {
                    var good = lastGood[i];
                    if (good is null)
                    {
                        view.Log($"{phase} @ {runtimes[i].Label}: no step passed (p99 ≤ {options.P99MaxMs} ms, nothing lost)");
                        ok = false;
                    }
                    else
                    {
                        good.Verdict = "last good (saturation)";
                        view.Log($"{phase} @ {runtimes[i].Label}: saturation = step {good.Step}: {good.Throughput:N0} {good.Unit}/s, p99 {good.P99Ms:0.##} ms" +
                            (searches[i].FoundLimit ? $" (bisected: fails at {searches[i].FirstFailingRate:0.##} {good.RateUnit})" : $" (still good after {options.MaxSteps} steps)"));
                    }
                }
            }
        }
        finally
        {
            foreach (var s in scenarios)
            {
                await s.TeardownAsync();
            }

            await Task.Delay(300, CancellationToken.None);
        }

        return ok;
    }

    /// <summary>Server CPU (all targets' processes together, % of one core) under which the servers count as idle.</summary>
    internal const double SettledCpuPercent = 10;

    /// <summary>
    /// Before a step: waits (at most 20 s) until every target's server processes are idle again. An overloaded step leaves a
    /// server working off its backlog after the generator stopped waiting for it (Node queues without bound); measured
    /// in that time, the next target's step would share the machine with it, and a saturation search would see the
    /// previous target's overload as its own failure.
    /// </summary>
    private async Task SettleAsync(List<TargetRuntime> runtimes, CancellationToken cancellationToken)
    {
        var pids = runtimes.SelectMany(r => r.Pids).ToList();
        if (pids.Count == 0)
        {
            return;
        }

        var waited = Stopwatch.StartNew();
        var busy = 0.0;
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            var before = ProcStats.CpuSplit(pids);
            var window = Stopwatch.StartNew();
            await Task.Delay(250, cancellationToken);
            var after = ProcStats.CpuSplit(pids);
            busy = (after.User + after.Sys - before.User - before.Sys) * 100 / window.Elapsed.TotalSeconds;
            if (double.IsNaN(busy) || busy < SettledCpuPercent)
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(1))
                {
                    view.Log($"   (waited {waited.Elapsed.TotalSeconds:0.#} s for the servers to go idle)");
                }

                return;
            }
        }

        view.Log($"   (the servers still use {busy:0}% CPU after 20 s; the step starts anyway)");
    }

    private async Task<StepResult> RunStepAsync(Scenario scenario, TargetRuntime target, StepPlan plan, CancellationToken cancellationToken)
    {
        var meter = scenario.BeginStep();
        var result = new StepResult
        {
            Target = target.Label,
            Scenario = scenario.Name,
            Step = plan.Index,
            Rate = plan.Rate,
            RateUnit = scenario.RateUnit,
            Unit = scenario.Unit,
        };
        view.StepStarted(result, plan);
        var server0 = ProcStats.CpuSplit(target.Pids);
        var self0 = ProcStats.CpuSplit(0);
        var io0 = IoLoop.Counters;
        var sw = Stopwatch.StartNew();
        using var samplerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleAsync(meter, result, sw, samplerStop.Token);
        StepOutcome outcome;
        try
        {
            outcome = await scenario.RunStepAsync(plan, cancellationToken);
        }
        finally
        {
            await samplerStop.CancelAsync();
            await sampler;
        }

        var wall = sw.Elapsed.TotalSeconds;
        var server1 = ProcStats.CpuSplit(target.Pids);
        var self1 = ProcStats.CpuSplit(0);
        var io1 = IoLoop.Counters;
        result.LoadAverage = ProcStats.LoadAverage();
        result.IoEventsPerWakeup = io1.Wakeups > io0.Wakeups ? (io1.Events - io0.Events) / (double)(io1.Wakeups - io0.Wakeups) : double.NaN;
        meter.TakeInterval();
        var h = meter.Total;
        result.DurationSeconds = wall;
        result.ActiveSeconds = outcome.ActiveSeconds;
        result.Connections = outcome.Connections;
        result.Sent = meter.Sent;
        result.Acked = meter.Acked;
        result.Units = outcome.Units;
        result.Lost = outcome.Lost;
        result.Errors = meter.Errors;
        result.ErrorSample = meter.ErrorSample;
        result.CheckFailure = outcome.CheckFailure;
        result.Throughput = outcome.ActiveSeconds > 0 ? outcome.Units / outcome.ActiveSeconds : 0;
        result.LatencyCount = h.TotalCount;
        if (h.TotalCount > 0)
        {
            result.MeanMs = HdrHistogram.HistogramExtensions.GetMean(h) / 1000.0;
            result.P50Ms = h.GetValueAtPercentile(50) / 1000.0;
            result.P90Ms = h.GetValueAtPercentile(90) / 1000.0;
            result.P99Ms = h.GetValueAtPercentile(99) / 1000.0;
            result.P999Ms = h.GetValueAtPercentile(99.9) / 1000.0;
            result.MaxMs = HdrHistogram.HistogramExtensions.GetMaxValue(h) / 1000.0;
        }

        var serverSplit = outcome.CpuWindowServer ?? (server1.User - server0.User, server1.Sys - server0.Sys);
        var selfSplit = outcome.CpuWindowGenerator ?? (self1.User - self0.User, self1.Sys - self0.Sys);
        var serverCpu = serverSplit.User + serverSplit.Sys;
        var selfCpu = selfSplit.User + selfSplit.Sys;
        var cpuWindow = outcome.CpuWindowServer is null ? wall : outcome.ActiveSeconds;
        result.ServerCpuSeconds = serverCpu;
        result.ServerSysSeconds = serverSplit.Sys;
        result.GeneratorCpuSeconds = selfCpu;
        result.GeneratorSysSeconds = selfSplit.Sys;
        if (outcome.Units > 0)
        {
            result.ServerCpuMicrosPerUnit = serverCpu * 1e6 / outcome.Units;
            result.ServerSysMicrosPerUnit = serverSplit.Sys * 1e6 / outcome.Units;
            result.GeneratorCpuMicrosPerUnit = selfCpu * 1e6 / outcome.Units;
            result.GeneratorSysMicrosPerUnit = selfSplit.Sys * 1e6 / outcome.Units;
        }

        if (cpuWindow > 0)
        {
            result.ServerCpuPercent = serverCpu * 100 / cpuWindow;
            result.GeneratorCpuPercent = selfCpu * 100 / cpuWindow;
        }

        result.ServerRssBeforeKb = outcome.RssBeforeKb >= 0 ? outcome.RssBeforeKb : ProcStats.RssKb(target.Pids);
        result.ServerRssAfterKb = outcome.RssAfterKb >= 0 ? outcome.RssAfterKb : ProcStats.RssKb(target.Pids);
        if (outcome.RssBeforeKb >= 0 && outcome.RssAfterKb >= 0 && outcome.Units > 0)
        {
            result.RssBytesPerConnection = (outcome.RssAfterKb - outcome.RssBeforeKb) * 1024.0 / outcome.Units;
        }

        var reasons = new List<string>();
        if (result.CheckFailure is not null)
        {
            reasons.Add("check: " + result.CheckFailure);
        }

        if (result.Lost > options.MaxLost)
        {
            reasons.Add($"lost {result.Lost}");
        }

        if (result.Errors > options.MaxErrors)
        {
            reasons.Add($"{result.Errors} errors (e.g. {result.ErrorSample})");
        }

        if (outcome.Units == 0)
        {
            reasons.Add("no work done");
        }

        if (options.Shape == LoadShape.Saturate && result.P99Ms > options.P99MaxMs)
        {
            reasons.Add($"p99 {result.P99Ms:0.##} ms > {options.P99MaxMs} ms");
        }

        result.Passed = reasons.Count == 0;
        result.Verdict = result.Passed ? "ok" : string.Join("; ", reasons);
        return result;
    }

    private async Task SampleAsync(Meter meter, StepResult result, Stopwatch sw, CancellationToken cancellationToken)
    {
        long lastUnits = 0;
        long lastSent = 0;
        var lastT = 0.0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var t = sw.Elapsed.TotalSeconds;
                var interval = meter.TakeInterval();
                var units = result.Unit == "answer" ? meter.Acked : meter.Delivered;
                var sent = meter.Sent;
                var dt = t - lastT;
                var point = new SeriesPoint(
                    Math.Round(t, 2),
                    (units - lastUnits) / dt,
                    (sent - lastSent) / dt,
                    interval.TotalCount > 0 ? interval.GetValueAtPercentile(50) / 1000.0 : double.NaN,
                    interval.TotalCount > 0 ? interval.GetValueAtPercentile(99) / 1000.0 : double.NaN,
                    interval.TotalCount > 0 ? HdrHistogram.HistogramExtensions.GetMaxValue(interval) / 1000.0 : double.NaN);
                result.Series.Add(point);
                lastUnits = units;
                lastSent = sent;
                lastT = t;
                view.Sample(result, point, meter);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>Small helper so log lines can name a scenario's target.</summary>
internal static class TargetRuntimeHolder
{
    public static string Label(this Scenario scenario, List<TargetRuntime> runtimes, List<Scenario> scenarios) =>
        runtimes[scenarios.IndexOf(scenario)].Label;
}
