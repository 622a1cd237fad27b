namespace Cndr.Fuzz;

/// <summary>
/// One parser under fuzzing. <see cref="Run"/> feeds it one input; a broken invariant throws
/// <see cref="FuzzAssertionException"/> and any exception that escapes is a crash for afl-fuzz.
/// </summary>
internal interface IFuzzTarget
{
    void Run(ReadOnlySpan<byte> input);
}
