using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Conveyor.Bench;

/// <summary>
/// The benchmark's live event subscriber: SUBSCRIBEs to a queue's events on its own connection and reads and parses
/// every message on one dedicated thread, until the 'completed' events have listed <c>expected</c> jobs. It shares
/// the two cores with Redis and the workers, so it must cost little: a subscription through StackExchange.Redis woke
/// a thread-pool thread per message, whose spinning took 2.7–3.3 µs of CPU per processed job.
/// </summary>
internal sealed class CompletionWatcher : IDisposable
{
    private readonly TcpClient _tcp = new() { NoDelay = true };
    private readonly BufferedStream _in;
    private readonly long _expected;
    private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _completed;

    private CompletionWatcher(string redis, long expected)
    {
        _expected = expected;
        string[] hostPort = redis.Split(',')[0].Split(':');
        _tcp.Connect(hostPort[0], int.Parse(hostPort[1], CultureInfo.InvariantCulture));
        _in = new BufferedStream(_tcp.GetStream(), 1 << 16);
    }

    /// <summary>When the last expected job was reported completed, in <see cref="WorkerProcess.NowUs"/> time.</summary>
    public Task<long> LastCompletionUs => _done.Task;

    /// <summary>Subscribes and returns once Redis confirmed the subscription.</summary>
    public static CompletionWatcher Start(string redis, string channel, long expected)
    {
        var watcher = new CompletionWatcher(redis, expected);
        byte[] name = Encoding.UTF8.GetBytes(channel);
        watcher._tcp.GetStream().Write(Encoding.UTF8.GetBytes($"*2\r\n$9\r\nSUBSCRIBE\r\n${name.Length}\r\n{channel}\r\n"));
        watcher.ReadReply(); // ["subscribe", channel, 1]
        new Thread(watcher.Run) { IsBackground = true, Name = "bench events" }.Start();
        return watcher;
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                var message = ReadReply(); // ["message", channel, payload]
                if (message[2] is byte[] payload && Count(payload) is > 0 and var ids
                    && (_completed += ids) >= _expected)
                {
                    _done.TrySetResult(WorkerProcess.NowUs());
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            _done.TrySetException(new IOException("The benchmark's event subscription ended before every job completed.", e));
        }
    }

    /// <summary>The number of ids of a 'completed' event; 0 for any other event. Compiled optimized at once: it runs
    /// inside the measured time from the first message on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Count(byte[] payload)
    {
        var reader = new Utf8JsonReader(payload);
        bool completed = false;
        int ids = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                bool type = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (type)
                {
                    completed = reader.ValueTextEquals("completed"u8);
                }
            }
            else if (reader.TokenType == JsonTokenType.String && reader.CurrentDepth == 2)
            {
                ids++;
            }
        }

        return completed ? ids : 0;
    }

    /// <summary>One RESP reply: an array of bulk strings and integers.</summary>
    private object?[] ReadReply()
    {
        string header = ReadLine();
        if (header[0] != '*')
        {
            throw new IOException($"Unexpected reply from Redis: {header}");
        }

        var items = new object?[int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture)];
        for (int i = 0; i < items.Length; i++)
        {
            string line = ReadLine();
            if (line[0] == ':')
            {
                items[i] = long.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                continue;
            }

            int length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
            if (length < 0)
            {
                continue; // a nil bulk string: null
            }

            var bulk = new byte[length];
            _in.ReadExactly(bulk);
            ReadLine();
            items[i] = bulk;
        }

        return items;
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        int b;
        while ((b = _in.ReadByte()) != '\n')
        {
            if (b < 0)
            {
                throw new IOException("Redis closed the event subscription.");
            }

            if (b != '\r')
            {
                line.Append((char)b);
            }
        }

        return line.ToString();
    }

    public void Dispose()
    {
        _tcp.Dispose();
        _in.Dispose();
    }
}
