using System.Collections.Concurrent;
using Cndr.Core.Relay;
using Microsoft.Extensions.Logging;

namespace Cndr.Core.Tests.Infrastructure;

/// <summary>Keeps every log line (level and formatted text) the relay writes.</summary>
public sealed class CapturingLogger : ILogger<RelayHandler>
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

    public IReadOnlyList<string> Warnings(string containing) =>
        [.. Lines.Where(l => l.Level == LogLevel.Warning && l.Text.Contains(containing, StringComparison.Ordinal)).Select(l => l.Text)];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue((logLevel, formatter(state, exception)));
}
