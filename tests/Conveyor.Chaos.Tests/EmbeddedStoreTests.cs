using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conveyor.Embedded;
using StackExchange.Redis;

namespace Conveyor.Chaos.Tests;

/// <summary>The embedded store keeps jobs through a crash and a restart, and refuses unsafe starts clearly.</summary>
public class EmbeddedStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("conveyor-embedded-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Ten_thousand_jobs_in_every_state_survive_a_sigkill_of_the_store_process()
    {
        var (host, port) = await StartHostAsync(0);
        string q = "durable";
        Dictionary<string, List<string>> before;
        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}"))
        {
            var queue = new ConveyorClient(redis).Queue(q);
            await queue.EnqueueManyAsync(Enumerable.Range(0, 9_500).Select(i => new NewJob<int>("n", i)));
            await host.StandardInput.WriteLineAsync("checkpoint");
            Assert.Equal("checkpointed", await host.StandardOutput.ReadLineAsync());
            await queue.EnqueueManyAsync(Enumerable.Range(0, 500).Select(i => new NewJob<int>("n", i, new EnqueueOptions { Delay = TimeSpan.FromHours(1) })));
            var leased = (await queue.Store.FetchAsync(500, 3_600_000, "w")).Jobs;
            await queue.Store.FailAsync("w", leased.Take(250).Select(j => new Storage.Failure(j.Id, j.Token, "", "dead", "failed", "3600000:10000")).ToList());
            await queue.Store.FailAsync("w", leased.Skip(250).Select(j => new Storage.Failure(j.Id, j.Token, "", "retry", "3600000", "3600000:10000")).ToList());
            before = await States(redis, queue);
            Assert.Equal(10_000, before.Count);
        }

        host.Kill(); // SIGKILL: no shutdown, no final checkpoint
        await host.WaitForExitAsync();
        var stopwatch = Stopwatch.StartNew();
        var (again, _) = await StartHostAsync(port);
        output.WriteLine($"restart with recovery of 10000 jobs took {stopwatch.ElapsedMilliseconds} ms");
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            var client = new ConveyorClient(redis);
            var queue = client.Queue(q);
            var after = await States(redis, queue);
            Assert.Equal(before.Count, after.Count);
            foreach (var (id, states) in before)
            {
                Assert.Equal(states, after[id]);
            }

            var counts = await queue.CountsAsync();
            Assert.Equal((9_000L, 750L, 250L), (counts.Waiting, counts.Delayed, counts.Dead));

            int processed = 0;
            var leased = (await queue.Store.FetchAsync(1000, 60_000, "after-restart")).Jobs;
            while (leased.Length > 0)
            {
                await queue.Store.CompleteAsync("after-restart", leased.Select(j => new Storage.Completion(j.Id, j.Token, "", "3600000:100000")).ToList());
                processed += leased.Length;
                leased = (await queue.Store.FetchAsync(1000, 60_000, "after-restart")).Jobs;
            }

            Assert.Equal(9_000, processed);
            Assert.Equal(9_000, (await queue.CountsAsync()).Completed);
        }
        finally
        {
            again.StandardInput.Close();
            await again.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Disposing_keeps_the_data_directory_and_a_restart_recovers_it()
    {
        await using (var store = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = _directory, Port = 0 }))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(store.Configuration);
            await new ConveyorClient(redis).Queue("kept").EnqueueAsync("n", 1, new EnqueueOptions { Id = "still-here" });
        }

        Assert.True(Directory.Exists(_directory));
        Assert.NotEmpty(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
        await using (var store = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = _directory, Port = 0 }))
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(store.Configuration);
            Assert.Equal(JobState.Waiting, (await new ConveyorClient(redis).Queue("kept").GetAsync("still-here"))!.State);
        }
    }

    [Fact]
    public async Task A_second_store_on_the_same_directory_or_a_taken_port_is_refused_with_a_clear_error()
    {
        await using var first = await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = _directory, Port = 0 });
        var inUse = await Assert.ThrowsAsync<EmbeddedStoreException>(() =>
            EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = _directory, Port = 0 }));
        Assert.Contains("in use by another Conveyor process", inUse.Message);

        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        int port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var taken = await Assert.ThrowsAsync<EmbeddedStoreException>(() =>
            EmbeddedStore.StartAsync(new EmbeddedStoreOptions { DataDirectory = Path.Combine(_directory, "other"), Port = port }));
        Assert.Contains($"Port {port} on 127.0.0.1 is already in use", taken.Message);
    }

    private async Task<(Process Host, int Port)> StartHostAsync(int port)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Conveyor.EmbeddedHost.dll"));
        start.ArgumentList.Add(_directory);
        start.ArgumentList.Add(port.ToString());
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        string? line;
        do
        {
            line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        while (line is not null && !line.StartsWith("ready ", StringComparison.Ordinal));

        Assert.NotNull(line);
        return (process, int.Parse(line["ready ".Length..]));
    }

    private static async Task<Dictionary<string, List<string>>> States(IConnectionMultiplexer redis, JobQueue queue)
    {
        var db = redis.GetDatabase();
        var keys = new Storage.QueueKeys("conveyor", queue.Name);
        var result = new Dictionary<string, List<string>>();
        void Add(string id, string state) => (result.TryGetValue(id, out var l) ? l : result[id] = []).Add(state);
        foreach (var id in await db.ListRangeAsync(keys.Key("wait")))
        {
            Add(id!, "waiting");
        }

        foreach (var id in await db.HashKeysAsync(keys.Key("lease")))
        {
            if (id != Storage.QueueKeys.Pin)
            {
                Add(id!, "active");
            }
        }

        foreach (string set in new[] { "delayed", "completed", "dead", "cancelled" })
        {
            foreach (var id in await db.SortedSetRangeByRankAsync(keys.Key(set)))
            {
                if (id != Storage.QueueKeys.Pin)
                {
                    Add(id!, set);
                }
            }
        }

        return result;
    }
}
