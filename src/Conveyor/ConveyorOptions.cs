using System.Text.Json;

namespace Conveyor;

/// <summary>Settings of Conveyor's client and workers. Each property's summary gives its default.</summary>
public sealed class ConveyorOptions
{
    /// <summary>StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>. Default: <c>localhost:6379</c>.
    /// Ignored when an <c>IConnectionMultiplexer</c> is registered in the container.</summary>
    public string Redis { get; set; } = "localhost:6379";

    /// <summary>Prefix of every key: <c>{prefix}:{queue}:…</c>. Default: <c>conveyor</c>.</summary>
    public string KeyPrefix { get; set; } = "conveyor";

    /// <summary>Serializer options for job data and results. Default: web defaults (camelCase).</summary>
    public JsonSerializerOptions Json { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>Largest accepted job envelope (name, data and options as JSON), in bytes. Default: 1 MiB.</summary>
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>Attempts of a job that does not set its own. Default: 5.</summary>
    public int Attempts { get; set; } = 5;

    /// <summary>Backoff of a job that does not set its own. Default: exponential from 1 s, at most 1 h, 20 % jitter.</summary>
    public Backoff Backoff { get; set; } = Backoff.Default;

    /// <summary>Lease expiries a job survives before it goes dead with reason "stalled". Default: 1.</summary>
    public int MaxStalls { get; set; } = 1;

    /// <summary>How completed jobs are kept. Default: 24 h, at most 10 000 per queue.</summary>
    public Retention KeepCompleted { get; set; } = Retention.DefaultCompleted;

    /// <summary>How dead jobs are kept. Default: 7 days, at most 10 000 per queue.</summary>
    public Retention KeepDead { get; set; } = Retention.DefaultDead;

    /// <summary>How cancelled jobs are kept. Default: 24 h, at most 10 000 per queue.</summary>
    public Retention KeepCancelled { get; set; } = Retention.DefaultCompleted;

    /// <summary>How long a worker owns a job it fetched before another worker may take it back; renewed every
    /// third of it while the job runs. Default: 30 s. Range: 200 ms to 1 h.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jobs fetched beyond free handler slots, so the next job starts without a round trip. They hold
    /// a lease while they wait. Default (null): adaptive — what this process finished in the last 20 ms, at least
    /// the queue's concurrency (at most 100 of that minimum), and at most 500 jobs held in all; short jobs come in
    /// large batches, slow ones are not hoarded. A number fixes it.</summary>
    public int? Prefetch { get; set; }

    /// <summary>How often each worker process looks for expired leases. Default: 5 s.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often each worker process forgets finished jobs past their retention age. Default: 60 s.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a worker process refreshes its registration. It expires after three missed beats. Default: 10 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An idle worker fetches at least this often even without a wake-up signal (a safety net for lost
    /// pub/sub messages). Default: 30 s.</summary>
    public TimeSpan IdleFetchInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On shutdown, how long running jobs may take to finish before they are handed back. A second SIGTERM or
    /// SIGINT during shutdown hands them back at once. Default: 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After a handler's token is cancelled (timeout, cancel, shutdown), how long it may take to stop
    /// before the worker abandons it and moves on. Default: 5 s.</summary>
    public TimeSpan AbandonGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a worker waits for one Redis call before it treats the call as failed and retries — a guard
    /// against a connection that dies mid-request and never answers. Default: 10 s.</summary>
    public TimeSpan RedisCallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lines kept in a job's log; older lines are dropped. Default: 100.</summary>
    public int MaxLogLines { get; set; } = 100;

    /// <summary>The worker's name in the registry. Default: host name, process id and a random suffix.</summary>
    public string? WorkerName { get; set; }

    /// <summary>Clock for local timers (not for lease deadlines or due times: those use the Redis server's clock).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Named backoff strategies for <see cref="Backoff.Custom"/>: (attempts failed so far, error) → delay.</summary>
    public Dictionary<string, Func<int, Exception, TimeSpan>> Backoffs { get; } = new(StringComparer.Ordinal);
}
