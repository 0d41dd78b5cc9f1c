using System.Diagnostics;
using Conveyor.Testing;
using StackExchange.Redis;

namespace Conveyor.Chaos.Tests;

/// <summary>
/// Real faults against real processes: worker processes killed or stopped, redis-server restarted, the network
/// cut or frozen by a TCP proxy. Each test ends by checking that nothing was lost and that every duplicate run
/// is explained by a lease that really expired. Figures go to the test output (see docs/reliability.md).
/// </summary>
public class FaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"chaos-{Guid.NewGuid():N}.log");
    private readonly string _queue = $"chaos-{Guid.NewGuid():N}"[..20];
    private readonly List<WorkerProcess> _workers = [];
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;

    private JobQueue Queue => new ConveyorClient(_connection).Queue(_queue);

    private Executions Executions => new(_log);

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync("--appendonly", "yes", "--appendfsync", "always");
        _connection = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},abortConnect=false");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
        File.Delete(_log);
    }

    [Fact]
    public async Task A_worker_killed_mid_job_loses_nothing_and_its_jobs_run_again_elsewhere()
    {
        var a = await Worker();
        var b = await Worker();
        var ids = await EnqueueAsync(400, i => new ChaosJob(50));
        await Until(async () => (await Queue.CountsAsync()).Completed >= 80, "80 jobs completed");

        await a.KillAsync();
        var orphans = Executions.Lines().Where(l => l.Pid == a.Pid).GroupBy(l => l.Id)
            .Where(g => g.All(l => l.What == "start")).Select(g => g.Key).ToList();
        await Until(async () => (await Queue.CountsAsync()).Completed == 400, "all 400 jobs completed", 60_000);

        var report = await Executions.CheckAsync(Queue, ids);
        // A job the killed worker had started either finished there just before the kill (its "end" line can miss
        // the log read above) or ran again: then only after its lease expired, and on the surviving worker.
        var ranAgain = orphans.Where(id => Executions.Starts(id) > 1).ToList();
        Assert.NotEmpty(ranAgain);
        foreach (string id in ranAgain)
        {
            var job = await Queue.GetAsync(id);
            Assert.Equal(JobState.Completed, job!.State);
            Assert.True(job.Stalls >= 1, $"{id}, held by the killed worker, ran again without its lease expiring");
            Assert.Contains(Executions.Lines(), l => l.What == "end" && l.Id == id && l.Pid == b.Pid);
        }

        Report($"SIGKILL: {report}, jobs held by the killed worker {orphans.Count}");
    }

    [Fact]
    public async Task Sigterm_lets_short_jobs_finish_and_hands_long_ones_back_at_once()
    {
        var env = new Dictionary<string, string> { ["CHAOS_LEASE_MS"] = "60000", ["CHAOS_SHUTDOWN_MS"] = "1000", ["CHAOS_CONCURRENCY"] = "4" };
        var worker = await Worker(env);
        var shortIds = await EnqueueAsync(2, _ => new ChaosJob(300));
        var longIds = await EnqueueAsync(2, _ => new ChaosJob(60_000));
        await Until(() => Task.FromResult(Executions.Lines().Count(l => l.What == "start") == 4), "four jobs running");

        var stopping = Stopwatch.StartNew();
        worker.Terminate();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(15));
        stopping.Stop();

        foreach (string id in shortIds)
        {
            Assert.Equal(JobState.Completed, (await Queue.GetAsync(id))!.State);
        }

        foreach (string id in longIds)
        {
            var job = await Queue.GetAsync(id);
            Assert.Equal(JobState.Waiting, job!.State); // back at once: the 60 s lease did not have to expire
            Assert.Equal((0, 0), (job.Attempts, job.Stalls));
        }

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopping.Elapsed}");
        Assert.DoesNotContain(await new ConveyorClient(_connection).ListWorkersAsync(), w => w.Pid == worker.Pid);

        await Worker(new Dictionary<string, string> { ["CHAOS_FAST"] = "1" });
        var report = await UntilCheckedAsync([.. shortIds, .. longIds], released: longIds);
        Report($"SIGTERM: {report}, shutdown took {stopping.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Workers_survive_a_redis_restart_and_finish_every_job()
    {
        for (int i = 0; i < 3; i++)
        {
            await Worker(new Dictionary<string, string> { ["CHAOS_CONCURRENCY"] = "20" });
        }

        var ids = await EnqueueAsync(10_000, _ => new ChaosJob(20));
        await Until(async () => (await Queue.CountsAsync()).Completed >= 1_000, "1000 jobs completed", 60_000);

        await _redis.RestartAsync(TimeSpan.FromSeconds(1));
        var restarted = Stopwatch.StartNew();
        long before = (await Queue.CountsAsync()).Completed;
        Assert.True(before < 9_000, $"{before} jobs were already completed when redis came back: the restart tested nothing");
        await Until(async () => (await Queue.CountsAsync()).Completed > before, "the first completion after the restart", 30_000);
        var resumed = restarted.Elapsed;
        await Until(async () => (await Queue.CountsAsync()).Completed == 10_000, "all 10000 jobs completed", 60_000,
            describe: async () => $"{await Queue.CountsAsync()}; stats {string.Join(", ", (await Queue.StatsAsync()).Select(p => $"{p.Key}={p.Value}"))}");

        var report = await Executions.CheckAsync(Queue, ids);
        Assert.True(resumed < TimeSpan.FromSeconds(15), $"workers resumed {resumed} after the restart");
        Report($"redis restart: {report}, workers resumed {resumed.TotalMilliseconds:0} ms after redis came back");
    }

    [Fact]
    public async Task Dropped_and_stalled_connections_lose_nothing_and_leave_nothing_stuck()
    {
        await using var proxy = new TcpFaultProxy(_redis.Port);
        string viaProxy = $"127.0.0.1:{proxy.Port}";
        for (int i = 0; i < 2; i++)
        {
            await Worker(new Dictionary<string, string> { ["CHAOS_CONCURRENCY"] = "10" }, viaProxy);
        }

        var ids = await EnqueueAsync(2_000, _ => new ChaosJob(5));
        await Until(async () => (await Queue.CountsAsync()).Completed >= 200, "200 jobs completed", 60_000);
        for (int i = 0; i < 3; i++)
        {
            proxy.DropAll();
            await Task.Delay(400);
        }

        await proxy.StallAsync(TimeSpan.FromSeconds(2)); // longer than the 1 s lease: leases expire meanwhile
        proxy.DropAll();
        await Until(async () => (await Queue.CountsAsync()).Completed == 2_000, "all 2000 jobs completed", 60_000,
            describe: async () => $"{await Queue.CountsAsync()}");

        var report = await Executions.CheckAsync(Queue, ids);
        Report($"proxy faults: {report}, connections cut {proxy.Drops}, one 2 s stall");
    }

    [Fact]
    public async Task Timeout_and_cancel_stop_jobs_running_in_another_process()
    {
        await Worker();
        var client = new ConveyorClient(_connection);
        var queue = client.Queue(_queue);
        string stubborn = (await queue.EnqueueAsync("chaos", new ChaosJob(60_000, IgnoreCancel: true),
            new EnqueueOptions { Timeout = TimeSpan.FromMilliseconds(300), Attempts = 1 })).Id;
        string polite = (await queue.EnqueueAsync("chaos", new ChaosJob(60_000), new EnqueueOptions { Attempts = 3 })).Id;
        string deaf = (await queue.EnqueueAsync("chaos", new ChaosJob(60_000, IgnoreCancel: true), new EnqueueOptions { Attempts = 3 })).Id;
        await Until(() => Task.FromResult(new[] { polite, deaf }.All(id => Executions.Starts(id) == 1)), "both jobs running");

        var cancelled = Stopwatch.StartNew();
        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(polite));
        await Until(async () => (await queue.GetAsync(polite))!.State == JobState.Cancelled, "the polite job is cancelled", 5_000, pollMs: 2);
        var politeTook = cancelled.Elapsed;
        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(deaf));
        await Until(async () => (await queue.GetAsync(deaf))!.State == JobState.Cancelled, "the deaf job is abandoned and cancelled", 5_000);
        await Until(async () => (await queue.GetAsync(stubborn))!.State == JobState.Dead, "the stubborn job timed out", 5_000);

        Assert.Equal("timeout", (await queue.GetAsync(stubborn))!.Reason);
        Assert.Equal(0, (await queue.GetAsync(polite))!.Attempts);
        Assert.True(politeTook < TimeSpan.FromSeconds(1), $"cancel took {politeTook.TotalMilliseconds} ms");
        Report($"cancel across processes: cancelled state reached {politeTook.TotalMilliseconds:0.0} ms after the request");
    }

    [Fact]
    public async Task A_job_that_kills_its_worker_every_time_ends_dead_as_stalled()
    {
        var queue = Queue;
        string poison = (await queue.EnqueueAsync("chaos", new ChaosJob(100, Crash: true), new EnqueueOptions { MaxStalls = 1, Attempts = 10 })).Id;
        int crashes = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await queue.GetAsync(poison))!.State != JobState.Dead && DateTime.UtcNow < deadline)
        {
            var worker = await Worker();
            await Until(async () => worker.HasExited || (await queue.GetAsync(poison))!.State == JobState.Dead, "the worker crashed", 20_000);
            crashes += worker.HasExited ? 1 : 0;
        }

        var job = await queue.GetAsync(poison);
        Assert.Equal(JobState.Dead, job!.State);
        Assert.Equal("stalled", job.Reason);
        Assert.Equal(2, job.Stalls);
        Assert.Equal(2, crashes);
        Report($"poison job: dead as stalled after {crashes} crashed workers");
    }

    /// <summary>The figures of a run, shown in the test output and collected in fault-report.txt (test.sh prints it).</summary>
    private void Report(string line)
    {
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fault-report.txt"), $"{DateTime.UtcNow:u}  {line}\n");
    }

    private async Task<WorkerProcess> Worker(Dictionary<string, string>? env = null, string? redis = null)
    {
        var worker = await WorkerProcess.StartAsync(redis ?? _redis.Configuration, _queue, _log, env);
        _workers.Add(worker);
        return worker;
    }

    private async Task<List<string>> EnqueueAsync(int n, Func<int, ChaosJob> job)
    {
        var results = await Queue.EnqueueManyAsync(Enumerable.Range(0, n).Select(i => new NewJob<ChaosJob>("chaos", job(i))));
        return results.Select(r => r.Id).ToList();
    }

    private async Task<Report> UntilCheckedAsync(IReadOnlyCollection<string> ids, IReadOnlyCollection<string> released)
    {
        await Until(async () => (await Queue.CountsAsync()) is { Waiting: 0, Active: 0, Delayed: 0 }, "the queue drained", 30_000);
        return await Executions.CheckAsync(Queue, ids, released: released);
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int timeoutMs = 20_000, int pollMs = 25, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (RedisUnavailableException e)
            {
                last = e; // Redis is being restarted by the test; keep waiting.
            }

            await Task.Delay(pollMs);
        }

        Assert.Fail($"Timed out after {timeoutMs} ms waiting until {what}." + (last is null ? "" : $" Last error: {last.Message}")
            + (describe is null ? "" : $" State: {await describe()}"));
    }
}

public sealed record ChaosJob(int Ms, bool Crash = false, bool IgnoreCancel = false);
