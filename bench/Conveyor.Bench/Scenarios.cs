using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace Conveyor.Bench;

/// <summary>One measurement: named figures such as jobs_per_s or p99_ms.</summary>
internal sealed record Result(string Scenario, string Config, Dictionary<string, double> Figures)
{
    // A figure the store cannot give (Garnet's INFO has no CPU or command counts) is NaN, written as null.
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>(Figures.Select(f => KeyValuePair.Create(f.Key, double.IsFinite(f.Value) ? (object?)Math.Round(f.Value, 3) : null)))
    {
        ["scenario"] = Scenario,
        ["config"] = Config,
    });
}

/// <summary>The scenarios of issue 8, each one measurement on a fresh queue.</summary>
internal static class Scenarios
{
    public static async Task<int> RunOneAsync(BenchArgs a, string redis)
    {
        var result = await RunAsync(a.Scenario, redis, a.Jobs, a.Concurrency, a.Processes);
        Console.WriteLine(a.Json ? result.ToJson() : $"{result.Scenario} {result.Config}: " +
            string.Join(", ", result.Figures.Select(f => $"{f.Key} {f.Value.ToString("0.###", CultureInfo.InvariantCulture)}")));
        return 0;
    }

    public static Task<Result> RunAsync(string scenario, string redis, int? jobs, int concurrency, int processes) => scenario switch
    {
        "enqueue-bulk" => EnqueueBulkAsync(redis, jobs ?? 100_000),
        "enqueue-single" => EnqueueSingleAsync(redis, jobs ?? 20_000, inFlight: 50),
        "process" => ProcessAsync(redis, jobs ?? 100_000, concurrency, processes),
        "latency" => LatencyAsync(redis, jobs ?? 1_000),
        "memory" => MemoryAsync(redis, jobs ?? 100_000),
        "idle" => IdleAsync(redis, processes == 1 ? 10 : processes),
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'."),
    };

    private static async Task<Result> EnqueueBulkAsync(string redis, int n)
    {
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        var queue = client.Queue(NewQueue("bulk"));
        await WarmUpAsync(client, q => q.EnqueueManyAsync(Jobs(600_000)));
        var before = await Snapshot(client.Redis);
        var watch = Stopwatch.StartNew();
        await queue.EnqueueManyAsync(Jobs(n));
        watch.Stop();
        return Figures("enqueue-bulk", $"jobs={n}", n, watch.Elapsed, before, await Snapshot(client.Redis));
    }

    private static async Task<Result> EnqueueSingleAsync(string redis, int n, int inFlight)
    {
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        var queue = client.Queue(NewQueue("single"));
        await WarmUpAsync(client, q => Parallel.ForAsync(0, 200_000, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, _) => await q.EnqueueAsync("noop", new Payload(i))));
        var before = await Snapshot(client.Redis);
        var watch = Stopwatch.StartNew();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                await queue.EnqueueAsync("noop", new Payload(i));
            }
        }));
        watch.Stop();
        return Figures("enqueue-single", $"jobs={n} in-flight={inFlight}", n, watch.Elapsed, before, await Snapshot(client.Redis));
    }

    /// <summary>
    /// Enqueues n jobs into a paused queue, starts the worker processes (each warms up first), resumes the queue,
    /// and times from the first handler start to the last completion, seen by a live subscriber to the queue's events.
    /// </summary>
    private static async Task<Result> ProcessAsync(string redis, int n, int concurrency, int processes)
    {
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        string name = NewQueue("process");
        var queue = client.Queue(name);
        await queue.PauseAsync();
        await queue.EnqueueManyAsync(Jobs(n));

        using var watcher = CompletionWatcher.Start(redis, $"conveyor:{{{name}}}:events", n);
        var children = await WorkerChild.StartAsync(redis, name, concurrency, processes);
        try
        {
            await RedisStats.SettleAsync(client.Redis); // as before every measurement of Redis's CPU
            var before = await Snapshot(client.Redis);
            await queue.ResumeAsync();
            long lastUs = await watcher.LastCompletionUs.WaitAsync(TimeSpan.FromMinutes(5));
            var after = await Snapshot(client.Redis);
            var reports = await Task.WhenAll(children.Select(c => c.StopAsync()));
            long firstUs = reports.Where(r => r.FirstStartUs > 0).Min(r => r.FirstStartUs);
            var elapsed = TimeSpan.FromMicroseconds(lastUs - firstUs);
            var result = Figures("process", $"jobs={n} concurrency={concurrency} processes={processes}", n, elapsed, before, after);
            result.Figures["harness_cpu_us_per_job"] = result.Figures["client_cpu_us_per_job"]; // this process: the subscriber
            result.Figures["client_cpu_us_per_job"] = reports.Sum(r => r.CpuMs) * 1000 / n;
            result.Figures["client_bytes_per_job"] = reports.Sum(r => (double)r.AllocatedBytes) / n; // allocated while measured
            var counts = await queue.CountsAsync();
            long completedTotal = (await queue.StatsAsync()).GetValueOrDefault("completed");
            if (completedTotal != n || counts.Waiting + counts.Active + counts.Dead > 0)
            {
                throw new InvalidOperationException($"After the run {completedTotal} of {n} jobs completed and the queue holds {counts}.");
            }

            return result;
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// An idle warm worker; jobs enqueued one at a time; time from enqueue returned to handler start. The same loop
    /// runs unmeasured first (negative job numbers), then pauses: the idle wake-up path is not the throughput path
    /// the worker warmed up on, and without this the JIT's background recompilation of it, competing with Redis for
    /// the two cores, made the p99 (2.5 ms against 0.7–1.1 ms with tiered compilation off).
    /// </summary>
    private static async Task<Result> LatencyAsync(string redis, int n)
    {
        const int warmup = 2_000;
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        string name = NewQueue("latency");
        var queue = client.Queue(name);
        var children = await WorkerChild.StartAsync(redis, name, concurrency: 10, count: 1, recordStarts: true);
        var sent = new long[n];
        try
        {
            for (int i = -warmup; i < n; i++)
            {
                if (i == 0)
                {
                    await Task.Delay(1_000);
                    await RedisStats.SettleAsync(client.Redis);
                }

                await queue.EnqueueAsync("noop", new Payload(i));
                if (i >= 0)
                {
                    sent[i] = WorkerProcess.NowUs();
                }

                await Task.Delay(2); // let the worker go idle again between jobs
            }

            while ((await queue.CountsAsync()).Completed < Math.Min(n + warmup, 10_000))
            {
                await Task.Delay(10);
            }

            var report = await children[0].StopAsync();
            var latencies = report.Starts.Where(s => s[0] >= 0).Select(s => Math.Max(0, s[1] - sent[s[0]]) / 1000.0).Order().ToArray();
            return new Result("latency", $"jobs={n}", new Dictionary<string, double>
            {
                ["p50_ms"] = Percentile(latencies, 0.50),
                ["p95_ms"] = Percentile(latencies, 0.95),
                ["p99_ms"] = Percentile(latencies, 0.99),
            });
        }
        finally
        {
            await children[0].DisposeAsync();
        }
    }

    private static async Task<Result> MemoryAsync(string redis, int n)
    {
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        var queue = client.Queue(NewQueue("memory"));
        var before = await RedisStats.ReadAsync(client.Redis);
        await queue.EnqueueManyAsync(Jobs(n));
        var after = await RedisStats.ReadAsync(client.Redis);
        return new Result("memory", $"jobs={n}", new Dictionary<string, double> { ["bytes_per_waiting_job"] = (after.UsedMemory - before.UsedMemory) / (double)n });
    }

    /// <summary>Worker processes with nothing to do: how many commands per second they send together.</summary>
    private static async Task<Result> IdleAsync(string redis, int processes)
    {
        await using var client = await ConveyorClient.ConnectAsync(redis + ",allowAdmin=true");
        string name = NewQueue("idle");
        var children = await WorkerChild.StartAsync(redis, name, concurrency: 10, count: processes, warmUp: false);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var before = await RedisStats.ReadAsync(client.Redis);
            await Task.Delay(TimeSpan.FromSeconds(10));
            var after = await RedisStats.ReadAsync(client.Redis);
            // INFO itself is one command each time it is read.
            return new Result("idle", $"processes={processes}", new Dictionary<string, double> { ["commands_per_s"] = (after.Commands - before.Commands - 1) / 10.0 });
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A producer is a long-running process too: runs the measured call on a scratch queue until the JIT's tiers
    /// settle, deletes the scratch queue's keys and waits for Redis to be done with them (<see cref="RedisStats.SettleAsync"/>,
    /// at least 0.5 s: the pause the JIT's background compiler needs as well). Tiered PGO needs
    /// more than it seems: after 200 000 bulk jobs (or 40 000 single ones) the measured run still cost the producer
    /// twice its CPU per job, after 600 000 (200 000) it did not.
    /// </summary>
    private static async Task WarmUpAsync(ConveyorClient client, Func<JobQueue, Task> run)
    {
        string name = NewQueue("warmup");
        await run(client.Queue(name));
        var db = client.Redis.GetDatabase();
        foreach (var server in client.Redis.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: $"conveyor:{{{name}}}:*"))
            {
                await db.KeyDeleteAsync(key);
            }
        }

        await RedisStats.SettleAsync(client.Redis);
    }

    private static Result Figures(string scenario, string config, int n, TimeSpan elapsed, (RedisStats Redis, TimeSpan Cpu, long Allocated) before, (RedisStats Redis, TimeSpan Cpu, long Allocated) after)
    {
        var redis = after.Redis - before.Redis;
        return new Result(scenario, config, new Dictionary<string, double>
        {
            ["jobs_per_s"] = n / elapsed.TotalSeconds,
            ["redis_cpu_us_per_job"] = redis.CpuSeconds * 1e6 / n,
            ["client_cpu_us_per_job"] = (after.Cpu - before.Cpu).TotalMicroseconds / n,
            ["client_bytes_per_job"] = (after.Allocated - before.Allocated) / (double)n,
            ["redis_commands_per_job"] = redis.Commands / (double)n,
            ["round_trips_per_job"] = redis.EvalShas / (double)n,
        });
    }

    private static async Task<(RedisStats, TimeSpan, long)> Snapshot(IConnectionMultiplexer redis) =>
        (await RedisStats.ReadAsync(redis), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));

    private static IEnumerable<NewJob<Payload>> Jobs(int n) => Enumerable.Range(0, n).Select(i => new NewJob<Payload>("noop", new Payload(i)));

    private static string NewQueue(string kind) => $"bench-{kind}-{Guid.NewGuid():N}"[..24];

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
