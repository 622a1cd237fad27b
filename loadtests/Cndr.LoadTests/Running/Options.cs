using System.Globalization;
using Cndr.LoadTests.Client;

namespace Cndr.LoadTests.Running;

internal enum LoadShape
{
    Constant,
    Ramp,
    Saturate,
}

/// <summary>One server under test: one or more nodes, their PIDs, or a command to start them.</summary>
internal sealed class TargetSpec
{
    public required string Label { get; init; }

    public List<string> Urls { get; } = [];

    public List<int> Pids { get; } = [];

    /// <summary>Command started by the runner (through /bin/sh -c "exec …") with PORT set; null = already running.</summary>
    public string? StartCommand { get; init; }

    /// <summary>The fan-out floor (<c>--floor</c>): <c>cndr-load floor-sender</c>, driven by the floor scenario.</summary>
    public bool IsFloor { get; init; }
}

/// <summary>The command line, parsed and validated.</summary>
internal sealed class Options
{
    public string Scenario { get; set; } = "";

    public List<TargetSpec> Targets { get; } = [];

    public bool Compare { get; set; }

    public string? AdminToken { get; set; }

    public HandshakeMode Handshake { get; set; } = HandshakeMode.Auth;

    public string SocketIOPath { get; set; } = "/socket.io/";

    public bool AllowRemote { get; set; }

    public int Rooms { get; set; } = 10;

    public int Players { get; set; } = 8;

    public int Audience { get; set; } = 20;

    public int SizeBytes { get; set; } = 1024;

    public int Connections { get; set; } = 1000;

    public string ConnectRole { get; set; } = "audience";

    public LoadShape Shape { get; set; } = LoadShape.Constant;

    public double? Rate { get; set; }

    public double? RateFrom { get; set; }

    public double? RateTo { get; set; }

    public int Steps { get; set; } = 5;

    public double RateFactor { get; set; } = 1.5;

    public double P99MaxMs { get; set; } = 100;

    public int MaxSteps { get; set; } = 12;

    /// <summary>Saturate: steps that bisect between the last good and the first failing rate.</summary>
    public int BisectSteps { get; set; } = 3;

    /// <summary>Add the fan-out floor as a target (see <see cref="Scenarios.FloorScenario"/>).</summary>
    public bool Floor { get; set; }

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan Hold { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Drain { get; set; } = TimeSpan.FromSeconds(3);

    public long MaxCount { get; set; } = 10_000_000;

    public long MaxLost { get; set; }

    public long MaxErrors { get; set; }

    public int SetupConcurrency { get; set; } = 64;

    public double? InboundRate { get; set; }

    public string? ReportDir { get; set; }

    public bool NoReport { get; set; }

    public bool Plain { get; set; }

    /// <summary>fanout/inbound: emit without ack ids (expected deliveries then count sends).</summary>
    public bool NoAck { get; set; }

    public int Nodes { get; set; } = 1;

    /// <summary>crossnode: every host on the first node, every player and audience member on the others (default: hosts spread).</summary>
    public bool HostsOnFirstNode { get; set; }

    /// <summary>Receive threads of the generator (epoll loops).</summary>
    public int IoThreads { get; set; } = 1;

    /// <summary>Generator receive loop: pause after a sparse wake-up, in µs (0 = off).</summary>
    public int IoBatchMicros { get; set; }

    public string? RedisHost { get; set; } = "127.0.0.1";

    public int? RedisPort { get; set; }

    public List<KeyValuePair<string, string>> ServerEnv { get; } = [];

    public string CommandLine { get; set; } = "";

    public static readonly string[] ScenarioNames = ["fanout", "inbound", "polls", "connect", "churn", "crossnode", "crossnode-fanout", "crossnode-inbound"];

    /// <summary>Parses args; throws <see cref="ArgumentException"/> with a human message on bad input.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options { CommandLine = "cndr-load " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a)) };
        var urls = new List<string>();
        var pids = new List<int>();
        string label = "target";
        var starts = new List<(string Label, string Command)>();
        var targets = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{a} needs a value");
                }

                return args[++i];
            }

            switch (a)
            {
                case "--url": urls.Add(Value()); break;
                case "--server-pid": pids.Add(Int(a, Value(), 1, int.MaxValue)); break;
                case "--label": label = Value(); break;
                case "--target": targets.Add(Value()); break;
                case "--start": starts.Add(SplitLabel(a, Value())); break;
                case "--compare": o.Compare = true; break;
                case "--nodes": o.Nodes = Int(a, Value(), 1, 16); break;
                case "--hosts-on-first-node": o.HostsOnFirstNode = true; break;
                case "--redis-host": o.RedisHost = Value(); break;
                case "--redis-port": o.RedisPort = Int(a, Value(), 1, 65535); break;
                case "--server-env":
                {
                    var (k, v) = SplitLabel(a, Value());
                    o.ServerEnv.Add(new(k, v));
                    break;
                }

                case "--admin-token": o.AdminToken = Value(); break;
                case "--handshake":
                    o.Handshake = Value() switch
                    {
                        "auth" => HandshakeMode.Auth,
                        "event" => HandshakeMode.Event,
                        var v => throw new ArgumentException($"--handshake: '{v}' is not auth|event"),
                    };
                    break;
                case "--socketio-path": o.SocketIOPath = Value(); break;
                case "--allow-remote": o.AllowRemote = true; break;
                case "--rooms": o.Rooms = Int(a, Value(), 1, 100_000); break;
                case "--players": o.Players = Int(a, Value(), 0, 100_000); break;
                case "--audience": o.Audience = Int(a, Value(), 0, 1_000_000); break;
                case "--size": o.SizeBytes = Int(a, Value(), 32, 60_000); break;
                case "--connections": o.Connections = Int(a, Value(), 1, 1_000_000); break;
                case "--connect-role":
                    o.ConnectRole = Value();
                    if (o.ConnectRole is not ("audience" or "player"))
                    {
                        throw new ArgumentException("--connect-role is audience|player");
                    }

                    break;
                case "--load":
                    o.Shape = Value() switch
                    {
                        "constant" => LoadShape.Constant,
                        "ramp" => LoadShape.Ramp,
                        "saturate" => LoadShape.Saturate,
                        var v => throw new ArgumentException($"--load: '{v}' is not constant|ramp|saturate"),
                    };
                    break;
                case "--rate": o.Rate = Dbl(a, Value()); break;
                case "--rate-from": o.RateFrom = Dbl(a, Value()); break;
                case "--rate-to": o.RateTo = Dbl(a, Value()); break;
                case "--steps": o.Steps = Int(a, Value(), 1, 1000); break;
                case "--rate-factor": o.RateFactor = Dbl(a, Value()); break;
                case "--p99-max-ms": o.P99MaxMs = Dbl(a, Value()); break;
                case "--max-steps": o.MaxSteps = Int(a, Value(), 1, 1000); break;
                case "--bisect-steps": o.BisectSteps = Int(a, Value(), 0, 20); break;
                case "--floor": o.Floor = true; break;
                case "--duration": o.Duration = Time(a, Value()); break;
                case "--warmup": o.Warmup = Time(a, Value(), allowZero: true); break;
                case "--hold": o.Hold = Time(a, Value(), allowZero: true); break;
                case "--drain": o.Drain = Time(a, Value(), allowZero: true); break;
                case "--max-count": o.MaxCount = Int(a, Value(), 1, int.MaxValue); break;
                case "--max-lost": o.MaxLost = Int(a, Value(), 0, int.MaxValue); break;
                case "--max-errors": o.MaxErrors = Int(a, Value(), 0, int.MaxValue); break;
                case "--setup-concurrency": o.SetupConcurrency = Int(a, Value(), 1, 10_000); break;
                case "--inbound-rate": o.InboundRate = Dbl(a, Value()); break;
                case "--report-dir": o.ReportDir = Value(); break;
                case "--no-report": o.NoReport = true; break;
                case "--plain": o.Plain = true; break;
                case "--no-ack": o.NoAck = true; break;
                case "--io-threads": o.IoThreads = Int(a, Value(), 1, 64); break;
                case "--io-batch-us": o.IoBatchMicros = Int(a, Value(), 0, 10_000); break;
                default:
                    if (a.StartsWith('-'))
                    {
                        throw new ArgumentException($"unknown flag {a} (see --help)");
                    }

                    if (o.Scenario.Length > 0)
                    {
                        throw new ArgumentException($"unexpected argument '{a}' (scenario is already '{o.Scenario}')");
                    }

                    o.Scenario = a;
                    break;
            }
        }

        if (o.Scenario.Length == 0)
        {
            throw new ArgumentException("no scenario given (one of: " + string.Join(", ", ScenarioNames) + ")");
        }

        if (!ScenarioNames.Contains(o.Scenario))
        {
            throw new ArgumentException($"unknown scenario '{o.Scenario}' (one of: {string.Join(", ", ScenarioNames)})");
        }

        foreach (var t in targets)
        {
            var (l, spec) = SplitLabel("--target", t);
            var parts = spec.Split('@', 2);
            var target = new TargetSpec { Label = l };
            target.Urls.AddRange(parts[0].Split(',', StringSplitOptions.RemoveEmptyEntries));
            if (parts.Length == 2)
            {
                target.Pids.AddRange(parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => Int("--target", p, 1, int.MaxValue)));
            }

            o.Targets.Add(target);
        }

        foreach (var (l, cmd) in starts)
        {
            o.Targets.Add(new TargetSpec { Label = l, StartCommand = cmd });
        }

        if (o.Floor)
        {
            if (o.Scenario != "fanout")
            {
                throw new ArgumentException("--floor applies to the fanout scenario only");
            }

            // The same executable in floor-sender mode (apphost, or `dotnet cndr-load.dll`).
            var self = Environment.ProcessPath ?? "cndr-load";
            var dll = typeof(Options).Assembly.Location;
            var command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? $"\"{self}\" \"{dll}\"" : $"\"{self}\"";
            o.Targets.Add(new TargetSpec
            {
                Label = "floor",
                StartCommand = command + " floor-sender --size " + o.SizeBytes.ToString(CultureInfo.InvariantCulture),
                IsFloor = true,
            });
        }

        if (urls.Count > 0)
        {
            var target = new TargetSpec { Label = label };
            target.Urls.AddRange(urls);
            target.Pids.AddRange(pids);
            o.Targets.Insert(0, target);
        }
        else if (pids.Count > 0)
        {
            throw new ArgumentException("--server-pid needs --url");
        }

        if (o.Targets.Count == 0)
        {
            throw new ArgumentException("no target: give --url (and --server-pid), --target LABEL=URL[@PID], or --start LABEL=COMMAND");
        }

        if (o.Compare && o.Targets.Count is < 2 or > 4)
        {
            throw new ArgumentException($"--compare needs two to four targets (got {o.Targets.Count}); the ratios are first / each other");
        }

        if (!o.Compare && o.Targets.Count != 1)
        {
            throw new ArgumentException("several targets need --compare");
        }

        if (o.Targets.Any(t => t.Label.Length == 0 || t.Label.Contains(',', StringComparison.Ordinal)))
        {
            throw new ArgumentException("target labels must be non-empty and without commas");
        }

        if (o.Targets.Select(t => t.Label).Distinct().Count() != o.Targets.Count)
        {
            throw new ArgumentException("target labels must differ");
        }

        if (o.Targets.Any(t => t.StartCommand is not null && !t.IsFloor) && o.RedisPort is null)
        {
            throw new ArgumentException("--start needs --redis-port (the started servers get REDIS_HOST/REDIS_PORT)");
        }

        if (o.Shape == LoadShape.Ramp && (o.RateFrom is null || o.RateTo is null))
        {
            throw new ArgumentException("--load ramp needs --rate-from and --rate-to");
        }

        if (o.Shape == LoadShape.Saturate && o.RateFactor <= 1.0)
        {
            throw new ArgumentException("--rate-factor must be > 1");
        }

        if (o.Scenario == "polls" && o.Audience == 0)
        {
            throw new ArgumentException("polls needs --audience > 0");
        }

        if (o.Scenario == "churn" && o.Players == 0)
        {
            throw new ArgumentException("churn needs --players > 0");
        }

        return o;
    }

    /// <summary>Rates of the steps to run (saturate: the first; more come from <see cref="SaturationSearch"/>).</summary>
    public List<double> PlannedRates(double defaultRate)
    {
        switch (Shape)
        {
            case LoadShape.Ramp:
            {
                var from = RateFrom!.Value;
                var to = RateTo!.Value;
                var list = new List<double>();
                for (var s = 0; s < Steps; s++)
                {
                    list.Add(Steps == 1 ? to : from + ((to - from) * s / (Steps - 1)));
                }

                return list;
            }

            case LoadShape.Saturate:
                return [RateFrom ?? Rate ?? defaultRate];
            default:
                return [Rate ?? defaultRate];
        }
    }

    private static (string, string) SplitLabel(string flag, string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ArgumentException($"{flag} expects NAME=VALUE, got '{text}'");
        }

        return (text[..eq], text[(eq + 1)..]);
    }

    private static int Int(string flag, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            throw new ArgumentException($"{flag}: '{text}' is not an integer in [{min}, {max}]");
        }

        return v;
    }

    private static double Dbl(string flag, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0 || double.IsInfinity(v))
        {
            throw new ArgumentException($"{flag}: '{text}' is not a positive number");
        }

        return v;
    }

    private static TimeSpan Time(string flag, string text, bool allowZero = false)
    {
        // 10s, 500ms, 2m, or a bare number of seconds.
        double factor = 1;
        var t = text;
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            factor = 0.001;
            t = t[..^2];
        }
        else if (t.EndsWith('s'))
        {
            t = t[..^1];
        }
        else if (t.EndsWith('m'))
        {
            factor = 60;
            t = t[..^1];
        }

        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || (v == 0 && !allowZero) || v > 86_400)
        {
            throw new ArgumentException($"{flag}: '{text}' is not a duration (e.g. 10s, 500ms, 2m)");
        }

        return TimeSpan.FromSeconds(v * factor);
    }
}
