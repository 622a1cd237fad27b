using System.Text.Json.Serialization;

namespace Cndr.Host.Admin;

/// <summary>Source-generated JSON of the admin API's request and reply records (camelCase, nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(CreatedRoomView))]
[JsonSerializable(typeof(KickRequest))]
[JsonSerializable(typeof(KickResult))]
[JsonSerializable(typeof(AdminError))]
internal sealed partial class AdminJson : JsonSerializerContext;
