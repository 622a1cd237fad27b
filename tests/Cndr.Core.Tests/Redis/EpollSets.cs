namespace Cndr.Core.Tests.Redis;

/// <summary>
/// Which sockets the runtime's socket engine watches: cndr's own Redis connections (the fast connection, the fast
/// subscriber) must never be among them, or every reply would wake the engine's thread for nothing; they are read on the
/// transport's own epoll loop (or their reader thread), nowhere else.
/// </summary>
internal static class EpollSets
{
    /// <summary>The epoll sets that watch <paramref name="fd"/>, split into the transport's loops' and any other's.</summary>
    public static (int Loops, int Others) Watching(int fd)
    {
        var loops = Cndr.Transport.Sockets.ReadinessLoop.EpollDescriptors;
        var watching = WatchedDescriptors().Where(w => w.Value.Contains(fd)).Select(w => w.Key).ToList();
        return (watching.Count(loops.Contains), watching.Count(e => !loops.Contains(e)));
    }

    /// <summary>Every epoll instance of this process and the descriptors it watches (/proc/self/fdinfo: one "tfd:" line each).</summary>
    public static Dictionary<int, HashSet<int>> WatchedDescriptors()
    {
        var sets = new Dictionary<int, HashSet<int>>();
        foreach (var path in Directory.GetFiles("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(path), out var epoll) || new FileInfo(path).LinkTarget != "anon_inode:[eventpoll]")
            {
                continue;
            }

            var watched = new HashSet<int>();
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{epoll}"))
            {
                var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 1 && fields[0] == "tfd:")
                {
                    watched.Add(int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            sets[epoll] = watched;
        }

        return sets;
    }
}
