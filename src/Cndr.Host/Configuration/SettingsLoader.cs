using System.Collections;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Cndr.Host.Configuration;

/// <summary>Builds <see cref="CndrSettings"/> from defaults, a JSON file, the environment and flags.</summary>
internal static class SettingsLoader
{
    private const string ConfigFileKey = "CONFIG_FILE";

    /// <summary>
    /// Loads the settings. Returns false with every problem (each naming its setting) when a value is
    /// invalid or a flag is unknown. <paramref name="environment"/> defaults to the process environment.
    /// </summary>
    public static bool TryLoad(IReadOnlyList<string> args, out CndrSettings settings, out List<string> errors, IDictionary? environment = null)
    {
        settings = new CndrSettings();
        errors = [];
        var env = environment ?? Environment.GetEnvironmentVariables();

        var switchMappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["--config"] = ConfigFileKey };
        foreach (var d in CndrSettings.Definitions)
        {
            switchMappings[d.Flag] = d.Name;
        }

        IConfigurationRoot flags;
        try
        {
            flags = new ConfigurationBuilder().AddCommandLine(args.ToArray(), switchMappings).Build();
        }
        catch (FormatException ex)
        {
            errors.Add($"command line: {ex.Message}");
            return false;
        }

        var known = new HashSet<string>(CndrSettings.Definitions.Select(d => d.Name), StringComparer.OrdinalIgnoreCase) { ConfigFileKey };
        foreach (var kv in flags.AsEnumerable())
        {
            if (!known.Contains(kv.Key))
            {
                errors.Add($"unknown option '--{kv.Key}' (see --help)");
            }
        }

        var envValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in env)
        {
            if (e.Key is string k && known.Contains(k))
            {
                envValues[k] = e.Value as string;
            }
        }

        var file = flags[ConfigFileKey] ?? (envValues.TryGetValue(ConfigFileKey, out var f) ? f : null);
        var builder = new ConfigurationBuilder();
        if (!string.IsNullOrEmpty(file))
        {
            if (!File.Exists(file))
            {
                errors.Add($"CONFIG_FILE: file '{file}' does not exist");
                return false;
            }

            try
            {
                builder.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
                builder.Build();
            }
            catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
            {
                errors.Add($"CONFIG_FILE: '{file}' is not a valid JSON settings file ({ex.Message})");
                return false;
            }
        }

        builder.AddInMemoryCollection(envValues);
        builder.AddConfiguration(flags);
        var config = builder.Build();

        foreach (var d in CndrSettings.Definitions)
        {
            var raw = config[d.Name];
            if (raw is null)
            {
                continue;
            }

            if (d.Apply(settings, raw) is { } problem)
            {
                errors.Add($"{d.Name} ({d.Flag}): {problem}");
            }
        }

        errors.AddRange(settings.CrossChecks());
        return errors.Count == 0;
    }

    /// <summary>The <c>--help</c> text: every setting with its flag and default.</summary>
    public static string Help()
    {
        var defaults = new CndrSettings();
        var sb = new StringBuilder();
        sb.AppendLine("cndr — a real-time relay for multiplayer party games (Socket.IO v4 clients)");
        sb.AppendLine();
        sb.AppendLine("Usage:");
        sb.AppendLine("  cndr [serve] [options]            run a node (embedded store unless REDIS_HOST is set)");
        sb.AppendLine("  cndr create-room [room options]   create a room through a node's admin API or in Redis");
        sb.AppendLine("  cndr conformance [--port N]       serve the official Engine.IO / Socket.IO test-suite endpoints");
        sb.AppendLine("  cndr --help                       this text");
        sb.AppendLine("  cndr --version                    the version");
        sb.AppendLine();
        sb.AppendLine("create-room options: --url http://127.0.0.1:3000  --admin-token T  --password P");
        sb.AppendLine("                     --max-players N  --max-audience N  --room-code CODE");
        sb.AppendLine("  (without --url and with REDIS_HOST set, the room is written to Redis directly)");
        sb.AppendLine();
        sb.AppendLine("Settings: environment variable, flag, JSON file key (--config file.json); flags win over");
        sb.AppendLine("the environment, the environment over the file.");
        sb.AppendLine();
        var width = CndrSettings.Definitions.Max(d => d.Name.Length + d.Flag.Length) + 4;
        foreach (var d in CndrSettings.Definitions)
        {
            var def = d.IsSecret ? "(secret)" : d.Show(defaults) is { Length: > 0 } v ? v : "(unset)";
            sb.Append("  ").Append($"{d.Name} {d.Flag}".PadRight(width)).Append(d.Help).Append(" [default: ").Append(def).AppendLine("]");
        }

        return sb.ToString();
    }
}
