using Cndr.Host.Configuration;

namespace Cndr.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        if (rest.Contains("--help") || rest.Contains("-h") || verb is "help")
        {
            Console.Out.Write(SettingsLoader.Help());
            return 0;
        }

        switch (verb)
        {
            case "serve":
                if (!SettingsLoader.TryLoad(rest, out var settings, out var errors))
                {
                    foreach (var e in errors)
                    {
                        await Console.Error.WriteLineAsync($"cndr: invalid setting: {e}");
                    }

                    return 2;
                }

                Console.WriteLine($"cndr: would serve on port {settings.Port}");
                return 0;
            default:
                await Console.Error.WriteLineAsync($"cndr: unknown command '{verb}' (see --help)");
                return 2;
        }
    }
}
