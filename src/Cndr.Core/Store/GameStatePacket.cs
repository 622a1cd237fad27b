namespace Cndr.Core.Store;

/// <summary>
/// The Socket.IO packet of a <c>game_state</c> event around its two variable parts:
/// <c><see cref="Open"/> + state + <see cref="RevField"/> + rev + <see cref="Close"/></c>, i.e.
/// <c>42["game_state",{"state":&lt;bytes&gt;,"rev":N}]</c> (PROTOCOL §4). <see cref="Protocol.RelayEvents.State"/> writes it
/// from these pieces, and a store that publishes a game state inside its write (the rev is known only there) assembles
/// the same bytes from them.
/// </summary>
internal static class GameStatePacket
{
    /// <summary>Everything before the state: the Engine.IO message type, the Socket.IO event type, the name, the field.</summary>
    public static readonly byte[] Open = "42[\"game_state\",{\"state\":"u8.ToArray();

    /// <summary>The event name (quoted in <see cref="Open"/>, after <c>42[</c>).</summary>
    public static ReadOnlySpan<byte> Name => "game_state"u8;

    /// <summary>The object's opening and the state's field name (every state event's).</summary>
    public static ReadOnlySpan<byte> StateField => "{\"state\":"u8;

    /// <summary>Between the state and the rev's decimal digits.</summary>
    public static readonly byte[] RevField = ",\"rev\":"u8.ToArray();

    /// <summary>After the rev: the object's and the event array's ends.</summary>
    public static readonly byte[] Close = "}]"u8.ToArray();
}
