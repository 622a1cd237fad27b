using System.Text.Json;
using Cndr.Host.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Cndr.Host.Logging;

/// <summary>Microsoft.Extensions.Logging with one JSON object per line on stdout (or plain text).</summary>
internal static class LoggingSetup
{
    public static ILoggerFactory Create(CndrSettings settings, TextWriter? sink = null) =>
        LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(ParseLevel(settings.LogLevel));
            if (sink is not null)
            {
                b.AddProvider(new JsonLineLoggerProvider(sink));
                return;
            }

            if (settings.LogJson)
            {
                b.AddJsonConsole(o =>
                {
                    o.IncludeScopes = false;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                });
            }
            else
            {
                b.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                    o.ColorBehavior = LoggerColorBehavior.Disabled;
                });
            }
        });

    public static LogLevel ParseLevel(string level) => level.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => LogLevel.Information,
    };
}
