using System.Security.Cryptography;
using System.Text;
using Cndr.Integration.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static Cndr.Integration.Tests.Infrastructure.RelayClients;

namespace Cndr.Integration.Tests;

/// <summary>
/// Sign-in by the game's backend (PROTOCOL §9.4): a JWT in <c>auth.token</c> replaces the password, or the host key
/// when it says role host; a token that is expired, for another audience, room or role, or badly signed is refused
/// with INVALID_TOKEN. HS256 with JWT_SECRET, RS256 and ES256 with JWT_PUBLIC_KEY.
/// </summary>
public sealed class JwtSignInTests : IAsyncLifetime
{
    private const string Secret = "a-test-secret-that-is-long-enough-for-hs256!";
    private JsClients _js = null!;

    public Task InitializeAsync()
    {
        _js = JsClients.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _js.DisposeAsync();

    private static string Token(SecurityKey key, string algorithm, string roomCode, string role, string? name = null, string audience = "cndr", DateTime? expires = null)
    {
        var claims = new Dictionary<string, object> { ["roomCode"] = roomCode, ["role"] = role };
        if (name is not null)
        {
            claims["name"] = name;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Audience = audience,
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            IssuedAt = DateTime.UtcNow.AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    private static string Hs(string roomCode, string role, string? name = null, string audience = "cndr", DateTime? expires = null, string secret = Secret) =>
        Token(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256, roomCode, role, name, audience, expires);

    private async Task AssertRefusedAsync(string url, object auth)
    {
        var c = await _js.ConnectAsync("refused", url, Options("websocket", auth));
        Assert.False(c.Connected);
        Assert.Equal("INVALID_TOKEN", c.ErrorData?["code"]?.GetValue<string>());
    }

    [Fact]
    public async Task Hs256TokenReplacesThePasswordOrTheHostKeyAndBadTokensAreRefused()
    {
        await using var node = await TestNode.StartAsync(configure: s => s.JwtSecret = Secret);
        var (code, _) = await node.CreateRoomAsync(password: "pw");

        // A host token instead of the host key.
        await _js.JoinByAuthAsync("host", node.Url, new { roomCode = code, role = "host", token = Hs(code, "host") });

        // A player token instead of the password; its name becomes meta.playerName.
        var hello = await _js.JoinByAuthAsync("p1", node.Url, new { roomCode = code, role = "player", token = Hs(code, "player", "Token Tess"), meta = new { playerName = "Mallory", colour = "red" } });
        Assert.Equal("player", Str(hello, "role"));
        var joined = await _js.NextAsync("host", "client_joined");
        Assert.Equal("Token Tess", joined!["meta"]!["playerName"]!.GetValue<string>());
        Assert.Equal("red", joined["meta"]!["colour"]!.GetValue<string>());

        await _js.JoinByAuthAsync("a1", node.Url, new { roomCode = code, role = "audience", token = Hs(code, "audience") });

        // Never the host key unless the token says host; and only for its room, audience, lifetime and key.
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "host", token = Hs(code, "player") });
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs("ZZZZZZ", "player") });
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs(code, "player", audience: "someone-else") });
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs(code, "player", expires: DateTime.UtcNow.AddMinutes(-5)) });
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs(code, "player", secret: "another-secret-that-is-long-enough-for-hs256") });
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = "not.a.jwt" });

        // Without a token the password is still needed.
        var c = await _js.ConnectAsync("nopw", node.Url, Options("websocket", new { roomCode = code, role = "player" }));
        Assert.Equal("INVALID_PASSWORD", c.ErrorData?["code"]?.GetValue<string>());
    }

    [Fact]
    public async Task TokensAreRefusedWhenNoKeyIsConfigured()
    {
        await using var node = await TestNode.StartAsync();
        var (code, _) = await node.CreateRoomAsync();
        await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs(code, "player") });
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task PublicKeyTokensSignedWithThePrivateKeyAreAccepted(string algorithm)
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (key, pem, other) = algorithm == "RS256"
            ? ((SecurityKey)new RsaSecurityKey(rsa), rsa.ExportSubjectPublicKeyInfoPem(), (SecurityKey)new RsaSecurityKey(RSA.Create(2048)))
            : (new ECDsaSecurityKey(ec), ec.ExportSubjectPublicKeyInfoPem(), new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)));
        var alg = algorithm == "RS256" ? SecurityAlgorithms.RsaSha256 : SecurityAlgorithms.EcdsaSha256;
        var file = Path.Combine(Path.GetTempPath(), $"cndr-jwt-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(file, pem);
        try
        {
            await using var node = await TestNode.StartAsync(configure: s => s.JwtPublicKey = file);
            var (code, _) = await node.CreateRoomAsync(password: "pw");
            var hello = await _js.JoinByAuthAsync("p1", node.Url, new { roomCode = code, role = "player", token = Token(key, alg, code, "player", "Pat") });
            Assert.Equal("player", Str(hello, "role"));
            await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Token(other, alg, code, "player") });
            await AssertRefusedAsync(node.Url, new { roomCode = code, role = "player", token = Hs(code, "player") });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
