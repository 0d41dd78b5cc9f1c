using System.Net;
using System.Net.Sockets;

namespace Conveyor.Testing;

/// <summary>
/// A TCP proxy on a free loopback port in front of a server, for injecting real network faults: drop every
/// connection at once, or stall all traffic for a while (bytes are held, not lost) as a frozen network would.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _pairs = [];
    private readonly Lock _lock = new();
    private volatile TaskCompletionSource _open = CompletedGate();
    private int _drops;
    private volatile bool _muted;

    public TcpFaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections have been cut so far.</summary>
    public int Drops => Volatile.Read(ref _drops);

    /// <summary>While set, what the server sends is thrown away: requests still run, their replies never arrive.</summary>
    public bool MuteReplies
    {
        get => _muted;
        set => _muted = value;
    }

    /// <summary>Closes every open connection, as a crashed middlebox or a restarted NAT would.</summary>
    public void DropAll()
    {
        List<(TcpClient, TcpClient)> pairs;
        lock (_lock)
        {
            pairs = [.. _pairs];
            _pairs.Clear();
        }

        foreach (var (client, server) in pairs)
        {
            Interlocked.Increment(ref _drops);
            try
            {
                client.Client.LingerState = new LingerOption(true, 0); // RST, not a polite FIN
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or NullReferenceException)
            {
                // the pair was already closing
            }

            client.Dispose();
            server.Dispose();
        }
    }

    /// <summary>Holds all traffic in both directions for <paramref name="time"/>; nothing is lost.</summary>
    public async Task StallAsync(TimeSpan time)
    {
        _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.Delay(time);
        _open.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        await Task.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_lock)
            {
                _pairs.Add((client, server));
            }

            _ = PumpAsync(client, server, replies: false);
            _ = PumpAsync(server, client, replies: true);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool replies)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            while (true)
            {
                int n = await input.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                await _open.Task;
                if (replies && _muted)
                {
                    continue;
                }

                await output.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
