namespace Cndr.Host;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == "conformance")
        {
            var port = 3000;
            if (args.Length >= 3 && args[1] == "--port" && !int.TryParse(args[2], out port))
            {
                Console.Error.WriteLine("usage: cndr conformance [--port N]");
                return 2;
            }

            using var cts = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cts.Cancel();
            };
            return await Conformance.ConformanceMode.RunAsync(port, cts.Token).ConfigureAwait(false);
        }

        Console.WriteLine("cndr: starting");
        return 0;
    }
}
