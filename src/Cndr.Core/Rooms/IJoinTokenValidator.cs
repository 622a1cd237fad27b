namespace Cndr.Core.Rooms;

/// <summary>Checks a sign-in token (signature, expiry, audience) and reads its claims; null when it is not valid.</summary>
public interface IJoinTokenValidator
{
    ValueTask<JoinToken?> ValidateAsync(string token);
}
