using System.Text.Json;
using Cndr.Core.Store;

namespace Cndr.Core.Protocol;

/// <summary>
/// The paging fields of <c>list_clients {role?, cursor?, limit?}</c> and <c>poll_results_request {pollId, cursor?, limit?}</c>
/// (PROTOCOL §8.23). <see cref="Limit"/> is clamped to 1 – <see cref="Relay.RelayOptions.MaxPageLimit"/>; 0 means "the default".
/// </summary>
internal sealed class PageRequest
{
    public ClientRole? Role { get; private set; }

    public string? PollId { get; private set; }

    public string? Cursor { get; private set; }

    public int Limit { get; private set; }

    /// <summary>
    /// Reads <c>role</c> (<c>"player"</c>, <c>"audience"</c> or null), <c>pollId</c>, <c>cursor</c> (string or null, at most
    /// 200 characters) and <c>limit</c> (a whole number; clamped); other fields are ignored. Null when a field is ill-typed.
    /// </summary>
    public static PageRequest? Parse(ReadOnlySpan<byte> json)
    {
        var page = new PageRequest();
        Span<byte> id = stackalloc byte[Ids.MaxPollIdLength];
        try
        {
            var r = new Utf8JsonReader(json);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("role"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (r.TokenType != JsonTokenType.String || !(r.ValueTextEquals("player"u8) || r.ValueTextEquals("audience"u8)))
                    {
                        return null;
                    }

                    page.Role = r.ValueTextEquals("player"u8) ? ClientRole.Player : ClientRole.Audience;
                }
                else if (r.ValueTextEquals("pollId"u8))
                {
                    r.Read();
                    if (!JsonArgs.TryCopyString(ref r, id, out var n) || !Ids.IsPollId(id[..n]))
                    {
                        return null;
                    }

                    page.PollId = System.Text.Encoding.ASCII.GetString(id[..n]);
                }
                else if (r.ValueTextEquals("cursor"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (r.TokenType != JsonTokenType.String || r.ValueSpan.Length > 200)
                    {
                        return null;
                    }

                    page.Cursor = r.GetString();
                }
                else if (r.ValueTextEquals("limit"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (r.TokenType != JsonTokenType.Number || !r.TryGetDouble(out var limit) || limit != Math.Floor(limit))
                    {
                        return null;
                    }

                    page.Limit = (int)Math.Clamp(limit, 1, Relay.RelayOptions.MaxPageLimit);
                }
                else
                {
                    r.Read();
                    r.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return page;
    }
}
