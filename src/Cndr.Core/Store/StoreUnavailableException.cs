namespace Cndr.Core.Store;

/// <summary>
/// The store could not be reached or did not answer in time. The relay maps it to <c>UNAVAILABLE</c>.
/// Never thrown for expected outcomes (those are result values).
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
        : base("The store is unavailable.")
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
