using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Cndr.Host.Logging;

/// <summary>
/// Writes the same JSON shape as the console formatter to any <see cref="TextWriter"/> — used by tests
/// that read what a node logged (for example, that no secret ever appears in a log line).
/// </summary>
internal sealed class JsonLineLoggerProvider(TextWriter sink) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class JsonLineLogger(JsonLineLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                w.WriteString("Timestamp", DateTime.UtcNow);
                w.WriteNumber("EventId", eventId.Id);
                w.WriteString("LogLevel", logLevel.ToString());
                w.WriteString("Category", category);
                w.WriteString("Message", formatter(state, exception));
                if (exception is not null)
                {
                    w.WriteString("Exception", exception.ToString());
                }

                if (state is IReadOnlyList<KeyValuePair<string, object?>> kvs)
                {
                    w.WriteStartObject("State");
                    foreach (var kv in kvs)
                    {
                        w.WriteString(kv.Key, kv.Value?.ToString());
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            var line = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            lock (owner._lock)
            {
                owner._sink.WriteLine(line);
                owner._sink.Flush();
            }
        }
    }

    private readonly TextWriter _sink = sink;
}
