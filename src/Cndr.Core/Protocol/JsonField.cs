using System.Text.Json;

namespace Cndr.Core.Protocol;

/// <summary>Where a property's raw value sits inside an argument object (see <see cref="JsonArgs.ScanFields"/>).</summary>
internal struct JsonField
{
    /// <summary>The property was present.</summary>
    public bool Found;

    /// <summary>Offset of the value in the object's bytes.</summary>
    public int Start;

    /// <summary>Length of the raw value.</summary>
    public int Length;

    /// <summary>The value's first token.</summary>
    public JsonTokenType Type;

    /// <summary>The raw value inside <paramref name="obj"/>.</summary>
    public readonly ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> obj) => obj.Slice(Start, Length);
}
