namespace Cndr.LoadTests;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("cndr-load: scenarios arrive with the load-test issue.");
        return args.Length == 0 ? 0 : 2;
    }
}
