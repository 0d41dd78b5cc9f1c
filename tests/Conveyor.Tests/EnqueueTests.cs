using System.Text.Json;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

public class EnqueueTests(RedisFixture redis)
{
    private readonly ConveyorClient _client = new(redis.Redis);

    [Fact]
    public async Task A_job_is_stored_waiting_with_its_envelope()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var result = await queue.EnqueueAsync("email.send", new { To = "a@example.com" });

        Assert.False(result.Duplicate);
        var probe = new Probe(redis.Redis, q);
        Assert.Equal([result.Id], await probe.WaitingIds());
        using var envelope = JsonDocument.Parse((await probe.HashGet("jobs", result.Id))!);
        Assert.Equal("email.send", envelope.RootElement.GetProperty("name").GetString());
        Assert.Equal("a@example.com", envelope.RootElement.GetProperty("data").GetProperty("to").GetString());
        Assert.Contains(q, await _client.ListQueuesAsync());

        var job = await queue.GetAsync(result.Id);
        Assert.NotNull(job);
        Assert.Equal(JobState.Waiting, job.State);
        Assert.Equal("email.send", job.Name);
        Assert.Equal("a@example.com", job.Data.GetProperty("to").GetString());
        Assert.Equal(1, (await queue.CountsAsync()).Waiting);
    }

    [Fact]
    public async Task Generated_ids_sort_by_creation_time()
    {
        var queue = _client.Queue(RedisFixture.UniqueQueue());
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await queue.EnqueueAsync("n", i)).Id);
            if (i % 5 == 0)
            {
                await Task.Delay(2);
            }
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(20, ids.Distinct().Count());
    }

    [Fact]
    public async Task Generated_ids_are_stored_without_a_lookup_and_a_chunk_with_a_chosen_id_is_checked()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var generated = await queue.EnqueueManyAsync(Enumerable.Range(0, 600).Select(i => new NewJob<int>("n", i)));

        Assert.All(generated, r => Assert.Equal((false, 26), (r.Duplicate, r.Id.Length)));
        var probe = new Probe(redis.Redis, q);
        Assert.Equal(generated.Select(r => r.Id), await probe.WaitingIds());
        Assert.Equal(600, await probe.HashLength("jobs"));
        Assert.Equal(600, await probe.Stat("enqueued"));

        await queue.EnqueueAsync("n", -1, new EnqueueOptions { Id = "chosen" });
        var mixed = await queue.EnqueueManyAsync([new NewJob<int>("n", 1000), new NewJob<int>("n", 1001, new EnqueueOptions { Id = "chosen" })]);
        Assert.Equal([false, true], mixed.Select(r => r.Duplicate));
        Assert.Equal(-1, (await queue.GetAsync("chosen"))!.Data.GetInt32());
        Assert.Equal(602, (await queue.CountsAsync()).Waiting);
    }

    [Fact]
    public async Task An_enqueue_call_with_a_wrong_number_of_arguments_is_refused_before_anything_is_written()
    {
        string q = RedisFixture.UniqueQueue();
        var keys = new Storage.QueueKeys("conveyor", q);
        var args = Storage.ScriptRunner.Args(keys, 4);
        (args[2], args[3], args[4], args[5]) = (2, "a", "{}", "b"); // three job arguments for two jobs
        var e = await Assert.ThrowsAnyAsync<Exception>(() => _client.Runner.RunAsync(Storage.ScriptCatalog.Enqueue, keys, args));
        Assert.Contains("job arguments for 2", e.Message);

        var probe = new Probe(redis.Redis, q);
        Assert.Equal((0, 0), (await probe.HashLength("jobs"), (await probe.WaitingIds()).Count));
    }

    [Fact]
    public async Task An_enqueue_redis_refuses_for_lack_of_memory_fails_with_its_reason_and_writes_nothing()
    {
        await using var server = await Conveyor.Testing.RedisServer.StartAsync();
        using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        var queue = new ConveyorClient(mux).Queue("full");
        await queue.EnqueueAsync("n", 0); // registers the queue (SADD), which would be refused first otherwise
        await mux.GetDatabase().StringSetAsync("ballast", new string('x', 2 << 20));
        await mux.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory", "1mb"); // now over the limit: writes are refused

        foreach (var job in new[] { new NewJob<int>("n", 1), new NewJob<int>("n", 2, new EnqueueOptions { Id = "chosen" }) })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => queue.EnqueueManyAsync([job]));
            Assert.Contains("OOM", e.Message);
        }

        var probe = new Probe(mux, "full");
        Assert.Equal((1, 1), (await probe.HashLength("jobs"), (await probe.WaitingIds()).Count)); // the pin is not counted
    }

    [Fact]
    public async Task Fifty_concurrent_enqueues_of_one_id_make_one_job()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            queue.EnqueueAsync("payment.capture", new { Attempt = i }, new EnqueueOptions { Id = "txn_42" })));

        Assert.Single(results, r => !r.Duplicate);
        Assert.Equal(49, results.Count(r => r.Duplicate));
        Assert.All(results.Where(r => r.Duplicate), r => Assert.Equal("txn_42", r.Existing?.Id));
        var probe = new Probe(redis.Redis, q);
        Assert.Equal(1, await probe.HashLength("jobs"));
        Assert.Equal(["txn_42"], await probe.WaitingIds());
        Assert.Equal(1, await probe.Stat("enqueued"));
    }

    [Fact]
    public async Task Bulk_enqueue_keeps_order_and_flags_duplicates()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await queue.EnqueueAsync("n", 0, new EnqueueOptions { Id = "existing" });
        var jobs = Enumerable.Range(0, 2_000).Select(i => new NewJob<int>("n", i, i == 1234 ? new EnqueueOptions { Id = "existing" } : null));

        var results = await queue.EnqueueManyAsync(jobs);

        Assert.Equal(2_000, results.Count);
        Assert.True(results[1234].Duplicate);
        Assert.Equal(1_999, results.Count(r => !r.Duplicate));
        var waiting = await new Probe(redis.Redis, q).WaitingIds();
        Assert.Equal(2_000, waiting.Count);
        Assert.Equal("existing", waiting[0]);
        Assert.Equal(results.Where(r => !r.Duplicate).Select(r => r.Id), waiting.Skip(1));
    }

    [Fact]
    public async Task One_bulk_call_may_mix_plain_delayed_and_prioritised_jobs()
    {
        // Plain jobs travel in a shorter form; one delayed or prioritised job switches its whole call to the full one.
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var results = await queue.EnqueueManyAsync(
        [
            new NewJob<int>("n", 1),
            new NewJob<int>("n", 2, new EnqueueOptions { Delay = TimeSpan.FromMinutes(5) }),
            new NewJob<int>("n", 3, new EnqueueOptions { Priority = 7 }),
            new NewJob<int>("n", 4),
        ]);

        var probe = new Probe(redis.Redis, q);
        Assert.Equal([results[2].Id, results[0].Id, results[3].Id], await probe.WaitingIds()); // the prioritised one first
        Assert.Equal([results[1].Id], await probe.Ids("delayed"));
        Assert.Equal(7, (await queue.GetAsync(results[2].Id))!.Priority);
        Assert.Equal((3L, 1L), ((await queue.CountsAsync()).Waiting, (await queue.CountsAsync()).Delayed));
        var plain = await queue.EnqueueManyAsync([new NewJob<int>("n", 5), new NewJob<int>("n", 6)]);
        Assert.Equal(JobState.Waiting, (await queue.GetAsync(plain[1].Id))!.State);
        Assert.Equal(5, (await queue.CountsAsync()).Waiting);
    }

    [Fact]
    public async Task A_delayed_job_is_stored_delayed_until_its_due_time()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        var before = DateTimeOffset.UtcNow;
        var result = await queue.EnqueueAsync("n", 1, new EnqueueOptions { Delay = TimeSpan.FromMinutes(5) });
        var job = await queue.GetAsync(result.Id);

        Assert.Equal(JobState.Delayed, job!.State);
        Assert.InRange(job.StateUntil!.Value, before.AddMinutes(5).AddSeconds(-2), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(2));
        Assert.Equal([result.Id], await new Probe(redis.Redis, q).Ids("delayed"));
        Assert.Equal(1, (await queue.CountsAsync()).Delayed);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("semi;colon")]
    public void Bad_queue_names_are_refused_with_the_rule(string name)
    {
        var e = Assert.Throws<InvalidJobException>(() => _client.Queue(name));
        Assert.Contains("letters, digits", e.Message);
    }

    [Fact]
    public void A_queue_name_of_101_characters_is_refused()
    {
        Assert.Throws<InvalidJobException>(() => _client.Queue(new string('a', 101)));
        Assert.Equal(new string('a', 100), _client.Queue(new string('a', 100)).Name);
    }

    [Fact]
    public async Task Bad_options_are_refused_before_anything_is_stored()
    {
        string q = RedisFixture.UniqueQueue();
        var queue = _client.Queue(q);
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.EnqueueAsync("n", 1, new EnqueueOptions { Priority = 1001 }));
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.EnqueueAsync("n", 1, new EnqueueOptions { Id = "bad id" }));
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 0 }));
        await Assert.ThrowsAsync<InvalidJobException>(() => queue.EnqueueAsync("bad name", 1));
        var big = await Assert.ThrowsAsync<InvalidJobException>(() => queue.EnqueueAsync("n", new string('x', 2 * 1024 * 1024)));
        Assert.Contains("MaxPayloadBytes", big.Message);
        Assert.Equal(0, await new Probe(redis.Redis, q).HashLength("jobs"));
    }

    [Fact]
    public async Task An_unreachable_redis_gives_a_clear_error_not_a_hang()
    {
        await using var client = await ConveyorClient.ConnectAsync("127.0.0.1:1,connectTimeout=300,syncTimeout=500,asyncTimeout=500");
        var e = await Assert.ThrowsAsync<RedisUnavailableException>(() => client.Queue("q").EnqueueAsync("n", 1));
        Assert.Contains("Cannot reach Redis", e.Message);
    }
}
