using Conveyor.Testing;
using Conveyor.Storage;
using Conveyor.Tests.Testing;

namespace Conveyor.Tests;

/// <summary>
/// Thousands of random operations against the real scripts, checked after each one against a model:
/// every job is in exactly one state, that state is the one the model predicts, and the counts agree.
/// </summary>
public class PropertyTests(RedisFixture redis)
{
    private const string Keep = "3600000:100000";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_operations_keep_every_job_in_exactly_one_state(int seed)
    {
        var random = new Random(seed);
        string q = RedisFixture.UniqueQueue("prop");
        var queue = new ConveyorClient(redis.Redis).Queue(q);
        var store = queue.Store;
        var probe = new Probe(redis.Redis, q);
        var model = new Dictionary<string, string>();
        var leases = new Dictionary<string, long>();
        var stale = new List<(string Id, long Token)>();
        int next = 0;

        for (int step = 0; step < 1_500; step++)
        {
            string op;
            switch (random.Next(10))
            {
                case 0 or 1:
                    op = "enqueue";
                    string id = model.Count > 0 && random.Next(5) == 0 ? Pick(random, model.Keys) : $"j{next++}";
                    bool delayed = random.Next(4) == 0;
                    var result = await queue.EnqueueAsync("n", step, new EnqueueOptions
                    {
                        Id = id,
                        Priority = random.Next(3) - 1,
                        Delay = delayed ? TimeSpan.FromHours(1) : null,
                    });
                    Assert.Equal(model.ContainsKey(id), result.Duplicate);
                    model.TryAdd(id, delayed ? "delayed" : "waiting");
                    break;
                case 2:
                    op = "fetch";
                    foreach (var job in (await store.FetchAsync(random.Next(1, 4), 3_600_000, "w")).Jobs)
                    {
                        Assert.Equal("waiting", model[job.Id]);
                        model[job.Id] = "active";
                        leases[job.Id] = job.Token;
                    }

                    break;
                case 3 when leases.Count > 0:
                    op = "complete";
                    var (cid, ctoken) = Take(random, leases);
                    Assert.Empty(await store.CompleteAsync("w", [new Completion(cid, ctoken, "", Keep)]));
                    model[cid] = "completed";
                    stale.Add((cid, ctoken));
                    break;
                case 4 when leases.Count > 0:
                    op = "fail";
                    var (fid, ftoken) = Take(random, leases);
                    var (action, argument, state) = random.Next(4) switch
                    {
                        0 => ("retry", "0", "waiting"),
                        1 => ("retry", "3600000", "delayed"),
                        2 => ("cancel", "", "cancelled"),
                        _ => ("dead", "failed", "dead"),
                    };
                    Assert.Empty(await store.FailAsync("w", [new Failure(fid, ftoken, "", action, argument, Keep)]));
                    model[fid] = state;
                    stale.Add((fid, ftoken));
                    break;
                case 5 when model.Count > 0:
                    op = "cancel";
                    string xid = Pick(random, model.Keys);
                    var outcome = await queue.CancelAsync(xid);
                    string before = model[xid];
                    Assert.Equal(before switch
                    {
                        "waiting" or "delayed" => CancelOutcome.Cancelled,
                        "active" => CancelOutcome.Requested,
                        _ => CancelOutcome.AlreadyFinished,
                    }, outcome);
                    if (outcome == CancelOutcome.Cancelled)
                    {
                        model[xid] = "cancelled";
                    }
                    else if (outcome == CancelOutcome.Requested)
                    {
                        // The worker would now report the job; a requested cancel turns any failure into a cancel.
                        Assert.Empty(await store.FailAsync("w", [new Failure(xid, leases[xid], "", "retry", "0", Keep)]));
                        leases.Remove(xid);
                        model[xid] = "cancelled";
                    }

                    break;
                case 6 when model.Count > 0:
                    op = "retry";
                    string rid = Pick(random, model.Keys);
                    var retried = await queue.RetryAsync(rid);
                    Assert.Equal(model[rid] is "dead" or "cancelled", retried == RetryOutcome.Retried);
                    if (retried == RetryOutcome.Retried)
                    {
                        model[rid] = "waiting";
                    }

                    break;
                case 7:
                    op = "expire";
                    var expiring = (await store.FetchAsync(1, 1, "dies")).Jobs;
                    await Eventually.SleepAtLeast(3);
                    var (recovered, dead, _) = await store.RecoverAsync(100, 1000, 1000, Keep, Keep);
                    Assert.Equal(expiring.Length, (int)(recovered + dead));
                    foreach (var job in expiring)
                    {
                        model[job.Id] = "waiting";
                        stale.Add((job.Id, job.Token));
                    }

                    break;
                case 8 when stale.Count > 0:
                    op = "zombie";
                    var (zid, ztoken) = stale[random.Next(stale.Count)];
                    Assert.Equal([zid], await store.CompleteAsync("zombie", [new Completion(zid, ztoken, "", Keep)]));
                    break;
                case 9 when model.Count > 0 && random.Next(3) == 0:
                    op = "remove";
                    string did = Pick(random, model.Keys);
                    Assert.True(await queue.RemoveAsync(did));
                    model.Remove(did);
                    leases.Remove(did);
                    break;
                default:
                    continue;
            }

            await CheckAsync(probe, queue, model, $"seed {seed}, step {step}, after {op}");
        }
    }

    private static async Task CheckAsync(Probe probe, JobQueue queue, Dictionary<string, string> model, string where)
    {
        var membership = await probe.Membership();
        Assert.True(model.Count == membership.Count, $"{where}: model has {model.Count} jobs, store has {membership.Count}");
        foreach (var (id, states) in membership)
        {
            Assert.True(states.Count == 1, $"{where}: job {id} is in {states.Count} states ({string.Join(", ", states)})");
            Assert.True(model.TryGetValue(id, out var expected) && expected == states[0], $"{where}: job {id} is {states[0]}, expected {expected}");
        }

        var counts = await queue.CountsAsync();
        foreach (var state in JobStates.All)
        {
            long expected = model.Values.Count(s => s == state.Name());
            Assert.True(counts[state] == expected, $"{where}: {state.Name()} count is {counts[state]}, expected {expected}");
        }
    }

    private static string Pick(Random random, IEnumerable<string> ids)
    {
        var list = ids.ToList();
        return list[random.Next(list.Count)];
    }

    private static (string, long) Take(Random random, Dictionary<string, long> leases)
    {
        string id = Pick(random, leases.Keys);
        long token = leases[id];
        leases.Remove(id);
        return (id, token);
    }
}
