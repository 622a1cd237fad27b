using SharpFuzz;

namespace Cndr.Fuzz;

/// <summary>
/// One entry point for every fuzz target: <c>Cndr.Fuzz &lt;target&gt;</c> runs the target under afl-fuzz
/// (persistent mode: SharpFuzz's in-process fork-server loop, one process for all executions);
/// <c>Cndr.Fuzz &lt;target&gt; &lt;file-or-directory&gt;...</c> runs each input once (replays a corpus or a crash).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: Cndr.Fuzz <{string.Join('|', FuzzTargets.Names)}> [input file or directory ...]");
            return 2;
        }

        if (args.Length == 1)
        {
            // The instrumented assembly writes to afl's coverage map, which Fuzzer.Run sets up: nothing of it
            // may run (not even a constructor) before the first call.
            var input = new byte[FuzzTargets.MaxInputBytes];
            IFuzzTarget? fuzzed = null;
            Fuzzer.Run(stream =>
            {
                var length = ReadAll(stream, input);
                if (fuzzed is null && !FuzzTargets.TryGet(args[0], out fuzzed))
                {
                    return;
                }

                fuzzed.Run(input.AsSpan(0, length));
            });
            return 0;
        }

        // Replay runs the uninstrumented build (the instrumented one needs afl's coverage map).
        FuzzTargets.TryGet(args[0], out var target);

        var count = 0;
        foreach (var path in args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p) : [p]))
        {
            var bytes = File.ReadAllBytes(path);
            target!.Run(bytes.AsSpan(0, Math.Min(bytes.Length, FuzzTargets.MaxInputBytes)));
            count++;
        }

        Console.WriteLine($"{args[0]}: {count} inputs ran without a failure");
        return 0;
    }

    private static int ReadAll(Stream stream, byte[] buffer)
    {
        var total = 0;
        int n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }

        return total;
    }
}
