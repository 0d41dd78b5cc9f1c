using System.Globalization;
using System.Text.Json;
using Conveyor.Storage;
using StackExchange.Redis;

namespace Conveyor;

/// <summary>A worker process as it registered itself.</summary>
public sealed record WorkerInfo(string Id, string Host, int Pid, IReadOnlyDictionary<string, int> Concurrency,
    DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, long Processed, long Failed, IReadOnlyList<WorkerJob> CurrentJobs);

/// <summary>A job a worker is running.</summary>
public sealed record WorkerJob(string Queue, string Id);

/// <summary>
/// The worker registry: a hash per process (<c>conveyor:worker:ID</c>, expiring) and a sorted set of ids scored by
/// when their heartbeat expires (<c>conveyor:workers</c>).
/// </summary>
internal sealed class WorkerDirectory(ScriptRunner runner, GlobalKeys keys)
{
    private IDatabase Db => runner.Database;

    public async Task BeatAsync(WorkerInfo info, TimeSpan ttl)
    {
        var expires = info.LastHeartbeat + ttl;
        var key = keys.Worker(info.Id);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key,
        [
            new("host", info.Host),
            new("pid", info.Pid),
            new("concurrency", JsonSerializer.Serialize(info.Concurrency)),
            new("started", info.StartedAt.ToUnixTimeMilliseconds()),
            new("heartbeat", info.LastHeartbeat.ToUnixTimeMilliseconds()),
            new("processed", info.Processed),
            new("failed", info.Failed),
            new("current", JsonSerializer.Serialize(info.CurrentJobs.Select(j => new[] { j.Queue, j.Id }))),
        ]);
        var expire = batch.KeyExpireAsync(key, ttl);
        var add = batch.SortedSetAddAsync(keys.Workers, info.Id, expires.ToUnixTimeMilliseconds());
        var queues = batch.SetAddAsync(keys.Queues, info.Concurrency.Keys.Select(q => (RedisValue)q).ToArray());
        batch.Execute();
        await runner.WithClearErrors(async () =>
        {
            await Task.WhenAll(set, expire, add, queues).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    public async Task RemoveAsync(string id)
    {
        await runner.WithClearErrors(() => Db.KeyDeleteAsync(keys.Worker(id))).ConfigureAwait(false);
        await runner.WithClearErrors(() => Db.SortedSetRemoveAsync(keys.Workers, id)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<WorkerInfo>> ListAsync()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await runner.WithClearErrors(() => Db.SortedSetRemoveRangeByScoreAsync(keys.Workers, double.NegativeInfinity, now)).ConfigureAwait(false);
        var ids = await runner.WithClearErrors(() => Db.SortedSetRangeByScoreAsync(keys.Workers, now, double.PositiveInfinity)).ConfigureAwait(false);
        var workers = new List<WorkerInfo>();
        foreach (var id in ids)
        {
            var fields = (await Db.HashGetAllAsync(keys.Worker(id.ToString())).ConfigureAwait(false)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
            if (fields.Count == 0)
            {
                continue;
            }

            workers.Add(new WorkerInfo(
                id.ToString(),
                fields.GetValueOrDefault("host", ""),
                int.Parse(fields.GetValueOrDefault("pid", "0"), CultureInfo.InvariantCulture),
                JsonSerializer.Deserialize<Dictionary<string, int>>(fields.GetValueOrDefault("concurrency", "{}")) ?? [],
                Ms(fields, "started"),
                Ms(fields, "heartbeat"),
                long.Parse(fields.GetValueOrDefault("processed", "0"), CultureInfo.InvariantCulture),
                long.Parse(fields.GetValueOrDefault("failed", "0"), CultureInfo.InvariantCulture),
                (JsonSerializer.Deserialize<string[][]>(fields.GetValueOrDefault("current", "[]")) ?? []).Select(p => new WorkerJob(p[0], p[1])).ToList()));
        }

        return workers;
    }

    private static DateTimeOffset Ms(Dictionary<string, string> fields, string name) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields.GetValueOrDefault(name, "0"), CultureInfo.InvariantCulture));
}
