using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Conveyor.Embedded;

/// <summary>
/// A Redis-compatible store running inside this process (Microsoft Garnet) on a loopback port, so Conveyor needs
/// nothing installed. Other processes — workers, the CLI — connect to <see cref="Configuration"/> like to any Redis.
/// Started with settings that keep job data safe: atomic Lua scripts, a storage device that works on Debian 12,
/// spilling to disk instead of dropping data beyond memory, an append-only log recovered on start, periodic
/// checkpoints, explicit directories, and a dispose that never deletes them.
/// </summary>
public sealed class EmbeddedStore : IAsyncDisposable
{
    private readonly GarnetServer _server;
    private readonly FileStream _lock;
    private readonly ILogger _logger;
    private readonly ConnectionMultiplexer _admin;
    private readonly Timer _checkpoints;
    private int _disposed;

    private EmbeddedStore(GarnetServer server, FileStream dataLock, string directory, int port, ConnectionMultiplexer admin, TimeSpan checkpointInterval, ILogger logger)
    {
        _server = server;
        _lock = dataLock;
        _logger = logger;
        _admin = admin;
        DataDirectory = directory;
        Port = port;
        _checkpoints = new Timer(_ => _ = CheckpointAsync(), null, checkpointInterval, checkpointInterval);
    }

    /// <summary>The absolute data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The loopback port the store listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this store.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts the store. Fails with <see cref="EmbeddedStoreException"/> when the data directory is in use by another
    /// process or the port is taken — each message says what to do.
    /// </summary>
    public static async Task<EmbeddedStore> StartAsync(EmbeddedStoreOptions? options = null, ILoggerFactory? loggers = null)
    {
        options ??= new EmbeddedStoreOptions();
        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<EmbeddedStore>();
        string directory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(directory);
        var dataLock = LockDirectory(directory);
        GarnetServer? server = null;
        try
        {
            int port = options.Port == 0 ? FreePort() : EnsurePortFree(options.Port);
            string[] args =
            [
                "--bind", "127.0.0.1",
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // Scripts are atomic only in transaction mode, and only for keys declared in KEYS (Conveyor declares all).
                "--lua", "--lua-transaction-mode",
                // The default device aborts the process on Debian 12 at the first write.
                "--device-type", "RandomAccess",
                // Without a storage tier, data beyond --memory is dropped silently.
                "--storage-tier", "--memory", options.Memory,
                "--aof", "--recover",
                // Checkpoints truncate the log, which frees disk a segment at a time: small segments, and a
                // checkpoint whenever the log passes the limit, keep it bounded between timed checkpoints too.
                "--aof-segment-size", "64m", "--aof-size-limit", "128m",
                "--logdir", Path.Combine(directory, "log"),
                "--checkpointdir", Path.Combine(directory, "checkpoints"),
            ];
            server = new GarnetServer(args, loggers);
            server.Start();
            var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true,abortConnect=false").ConfigureAwait(false);
            var store = new EmbeddedStore(server, dataLock, directory, port, admin, options.CheckpointInterval, logger);
            logger.LogInformation("Embedded store listening on 127.0.0.1:{Port}; data in {Directory}", port, directory);
            return store;
        }
        catch
        {
            server?.Dispose(deleteDir: false);
            await dataLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a checkpoint in the background (it returns before the checkpoint is written); a finished
    /// checkpoint lets the store truncate its append-only log.</summary>
    public async Task CheckpointAsync()
    {
        try
        {
            await _admin.GetServer(_admin.GetEndPoints()[0]).SaveAsync(SaveType.BackgroundSave).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException)
        {
            _logger.LogWarning(e, "Embedded store checkpoint failed; the append-only log still holds every write");
        }
    }

    /// <summary>Stops the store, keeping its data directory: a restart on the same directory recovers every key.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _checkpoints.DisposeAsync().ConfigureAwait(false);
        await _admin.DisposeAsync().ConfigureAwait(false);
        _server.Dispose(deleteDir: false);
        await _lock.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("Embedded store stopped; data kept in {Directory}", DataDirectory);
    }

    private static FileStream LockDirectory(string directory)
    {
        string path = Path.Combine(directory, "conveyor.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId);
            }

            return stream;
        }
        catch (IOException)
        {
            string owner = File.Exists(path) ? SafeRead(path) : "?";
            throw new EmbeddedStoreException(
                $"The data directory {directory} is in use by another Conveyor process (pid {owner}). Stop that process, " +
                "connect to its store instead, or choose another data directory.");
        }
    }

    private static int EnsurePortFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return port;
        }
        catch (SocketException)
        {
            throw new EmbeddedStoreException(
                $"Port {port} on 127.0.0.1 is already in use (another Redis or embedded store?). Choose another port, " +
                "or connect Conveyor to the server that is listening there.");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SafeRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd().Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}

/// <summary>The embedded store could not start; the message says why and what to do.</summary>
public sealed class EmbeddedStoreException(string message) : Exception(message);
