namespace Cndr.Core.Protocol;

/// <summary>Shape of an event's first argument.</summary>
internal enum ArgKind : byte
{
    /// <summary>The event has no argument.</summary>
    None,
    /// <summary>A JSON object.</summary>
    Object,
    /// <summary>Any other JSON value.</summary>
    Other,
    /// <summary>The packet's JSON could not be read.</summary>
    Malformed,
}
