namespace Cndr.Host;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("cndr: starting");
        return 0;
    }
}
