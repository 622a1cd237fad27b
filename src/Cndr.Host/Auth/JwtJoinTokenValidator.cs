using System.Security.Cryptography;
using System.Text;
using Cndr.Core.Store;
using Cndr.Core.Rooms;
using Cndr.Host.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cndr.Host.Auth;

/// <summary>
/// Sign-in by the game's backend: a JWT signed with <c>JWT_SECRET</c> (HS256) or with the private key of
/// <c>JWT_PUBLIC_KEY</c> (RS256 / ES256), carrying <c>roomCode</c>, <c>role</c> and, for players, <c>name</c>.
/// Signature, expiry (required) and audience (<c>JWT_AUDIENCE</c>) are checked.
/// </summary>
internal sealed class JwtJoinTokenValidator : IJoinTokenValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters _parameters;

    private JwtJoinTokenValidator(SecurityKey key, string algorithm, string audience)
    {
        _parameters = new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [algorithm],
            ValidateIssuer = false,
            ValidateAudience = true,
            ValidAudience = audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The validator the settings ask for, or null when neither JWT_SECRET nor JWT_PUBLIC_KEY is set.</summary>
    public static JwtJoinTokenValidator? Create(CndrSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.JwtSecret))
        {
            return new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.JwtSecret)), SecurityAlgorithms.HmacSha256, settings.JwtAudience);
        }

        if (string.IsNullOrEmpty(settings.JwtPublicKey))
        {
            return null;
        }

        var pem = File.ReadAllText(settings.JwtPublicKey);
        if (pem.Contains("BEGIN EC", StringComparison.Ordinal) || IsEcKey(pem))
        {
            var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return new(new ECDsaSecurityKey(ec), SecurityAlgorithms.EcdsaSha256, settings.JwtAudience);
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256, settings.JwtAudience);
    }

    private static bool IsEcKey(string pem)
    {
        using var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public async ValueTask<JoinToken?> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid
            || !result.Claims.TryGetValue("roomCode", out var room) || room is not string roomCode
            || !result.Claims.TryGetValue("role", out var roleClaim) || roleClaim is not string roleText)
        {
            return null;
        }

        ClientRole? role = roleText switch
        {
            "host" => ClientRole.Host,
            "player" => ClientRole.Player,
            "audience" => ClientRole.Audience,
            _ => null,
        };
        var name = result.Claims.TryGetValue("name", out var n) ? n as string : null;
        return role is { } r ? new JoinToken(roomCode, r, name) : null;
    }
}
