using System.Runtime.InteropServices;
using Cndr.Host.Admin;
using Cndr.Host.Cli;
using Cndr.Host.Configuration;
using Cndr.Host.Conformance;
using Cndr.Host.Logging;

namespace Cndr.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        if (args is ["--version"] or ["version"])
        {
            Console.Out.WriteLine($"cndr {Metrics.NodeInstruments.Version} (.NET {Environment.Version})");
            return 0;
        }

        if (rest.Contains("--help") || rest.Contains("-h") || verb is "help")
        {
            Console.Out.Write(SettingsLoader.Help());
            return 0;
        }

        switch (verb)
        {
            case "serve":
                return await ServeAsync(rest);
            case "conformance":
                return await RunConformanceAsync(rest);
            case "create-room":
                return await CreateRoomAsync(rest);
            default:
                await Console.Error.WriteLineAsync($"cndr: unknown command '{verb}' (see --help)");
                return 2;
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        if (!SettingsLoader.TryLoad(args, out var settings, out var errors))
        {
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync($"cndr: invalid setting: {e}");
            }

            return 2;
        }

        using var loggers = LoggingSetup.Create(settings);
        CndrNode node;
        try
        {
            node = await CndrNode.StartAsync(settings, loggers);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or System.Security.Cryptography.CryptographicException or Core.Store.StoreUnavailableException)
        {
            await Console.Error.WriteLineAsync($"cndr: cannot start: {ex.Message}");
            return 1;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });

        await Banner.PrintAsync(node, settings);
        await stop.Task;
        await node.DrainAsync(TimeSpan.FromMilliseconds(settings.DrainTimeoutMs));
        await node.DisposeAsync();
        return 0;
    }

    private static async Task<int> RunConformanceAsync(string[] args)
    {
        var port = 3000;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out var p))
            {
                port = p;
                i++;
            }
            else if (args[i].StartsWith("--port=", StringComparison.Ordinal) && int.TryParse(args[i]["--port=".Length..], out var q))
            {
                port = q;
            }
            else
            {
                await Console.Error.WriteLineAsync($"cndr conformance: bad option '{args[i]}' (only --port N)");
                return 2;
            }
        }

        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        return await ConformanceMode.RunAsync(port, cts.Token);
    }

    private static async Task<int> CreateRoomAsync(string[] args)
    {
        // Settings (REDIS_HOST, ...) come from the environment here; the verb's own flags are its options.
        if (!SettingsLoader.TryLoad([], out var settings, out var errors))
        {
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync($"cndr: invalid setting: {e}");
            }

            return 2;
        }

        if (settings.UsesEmbeddedStore)
        {
            return await CreateRoomCommand.RunAsync(args, direct: null);
        }

        await using var stores = await StoreBundle.CreateAsync(settings, "cli-" + Guid.NewGuid().ToString("N"), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var admin = new RoomService(stores.Store, NoCloser.Instance, settings.RoomCodeLength);
        return await CreateRoomCommand.RunAsync(args, admin.CreateAsync);
    }

    private sealed class NoCloser : Core.Cluster.IRoomCloser
    {
        public static readonly NoCloser Instance = new();

        public ValueTask<bool> CloseRoomAsync(Core.RoomCode code, string reason) => ValueTask.FromResult(false);
    }
}
