namespace Cndr.Fuzz;

/// <summary>A parser broke one of its own invariants on a fuzz input.</summary>
internal sealed class FuzzAssertionException : Exception
{
    public FuzzAssertionException()
    {
    }

    public FuzzAssertionException(string message)
        : base(message)
    {
    }

    public FuzzAssertionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzAssertionException(what);
        }
    }
}
