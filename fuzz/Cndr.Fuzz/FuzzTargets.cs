using System.Diagnostics.CodeAnalysis;

namespace Cndr.Fuzz;

/// <summary>The fuzz targets by name (the first argument of <c>Cndr.Fuzz</c>).</summary>
internal static class FuzzTargets
{
    /// <summary>Longest input passed to a target (afl-fuzz's own limit is 1 MiB).</summary>
    public const int MaxInputBytes = 1 << 20;

    public static IReadOnlyList<string> Names { get; } = ["http", "websocket", "engineio", "socketio"];

    public static bool TryGet(string name, [NotNullWhen(true)] out IFuzzTarget? target)
    {
        target = name switch
        {
            "http" => new HttpTarget(),
            "websocket" => new WebSocketTarget(),
            "engineio" => new EngineIOTarget(),
            "socketio" => new SocketIOTarget(),
            _ => null,
        };
        return target is not null;
    }
}
