using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Conveyor.Testing;

/// <summary>A private redis-server on a free loopback port, in a temporary directory, stopped on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly string[] _extraArgs;
    private Process _process;

    private RedisServer(Process process, string dir, int port, string[] extraArgs)
    {
        _process = process;
        _dir = dir;
        _extraArgs = extraArgs;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(params string[] extraArgs)
    {
        string dir = Directory.CreateTempSubdirectory("conveyor-redis-").FullName;
        int port = Ports.Free();
        var server = new RedisServer(Launch(dir, port, extraArgs), dir, port, extraArgs);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Stops the server (SHUTDOWN, so an append-only file is flushed) and starts it again on the same port and directory.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        using (var admin = await ConnectionMultiplexer.ConnectAsync($"{Configuration},allowAdmin=true"))
        {
            try
            {
                await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("SHUTDOWN");
            }
            catch (RedisConnectionException)
            {
                // the server closes the connection as it exits
            }
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        await Task.Delay(downtime);
        _process = Launch(_dir, Port, _extraArgs);
        await WaitUntilReadyAsync();
    }

    private static Process Launch(string dir, int port, string[] extraArgs)
    {
        string binary = FindBinary();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var defaults = new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--daemonize", "no", "--protected-mode", "no" };
        foreach (string arg in defaults.Concat(extraArgs.Contains("--appendonly") ? [] : ["--appendonly", "no"]).Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {binary}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public async Task<ConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync($"{Configuration},abortConnect=false");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException($"redis-server did not listen on port {Port} within 10 s.");
    }

    private static string FindBinary()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            string candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("redis-server is not installed. Run ./test.sh, which installs it (apt-get install redis-server).");
    }
}
