using Conveyor.Storage;
using StackExchange.Redis;

namespace Conveyor.Tests.Testing;

/// <summary>Reads a queue's raw stored state, to assert on what Redis holds rather than on replies.</summary>
public sealed class Probe(IConnectionMultiplexer redis, string queue, string prefix = "conveyor")
{
    private readonly QueueKeys _keys = new(prefix, queue);
    private IDatabase Db => redis.GetDatabase();

    public RedisKey Key(string name) => _keys.Key(name);

    public async Task<List<string>> WaitingIds()
    {
        var prio = await Db.SortedSetRangeByRankAsync(Key("prio"));
        var list = await Db.ListRangeAsync(Key("wait"));
        return prio.Concat(list).Select(v => v.ToString()).ToList();
    }

    /// <summary>The jobs under lease: the lease hash's fields, not counting the encoding pin.</summary>
    public async Task<List<string>> ActiveIds() =>
        (await Db.HashKeysAsync(Key("lease"))).Select(v => v.ToString()).Where(v => v != QueueKeys.Pin).ToList();

    public async Task<List<string>> Ids(string set) =>
        (await Db.SortedSetRangeByRankAsync(Key(set))).Select(v => v.ToString()).Where(v => v != QueueKeys.Pin).ToList();

    /// <summary>Fields of a per-job hash, not counting the encoding pin.</summary>
    public async Task<long> HashLength(string hash) =>
        await Db.HashLengthAsync(Key(hash)) - (await Db.HashExistsAsync(Key(hash), QueueKeys.Pin) ? 1 : 0);

    public async Task<string> Encoding(string key) => (await Db.ExecuteAsync("OBJECT", "ENCODING", Key(key))).ToString();

    public async Task<bool> HashHas(string hash, string id) => await Db.HashExistsAsync(Key(hash), id);

    public async Task<string?> HashGet(string hash, string id) => await Db.HashGetAsync(Key(hash), id);

    public async Task<long> Stat(string field) => (long?)await Db.HashGetAsync(Key("stats"), field) ?? 0;

    /// <summary>Every job id the queue knows, with the states it appears in (a correct store has exactly one each).</summary>
    public async Task<Dictionary<string, List<string>>> Membership()
    {
        var result = new Dictionary<string, List<string>>();
        void Add(string id, string state)
        {
            if (!result.TryGetValue(id, out var states))
            {
                result[id] = states = [];
            }

            states.Add(state);
        }

        foreach (string id in await WaitingIds())
        {
            Add(id, "waiting");
        }

        foreach (string id in await ActiveIds())
        {
            Add(id, "active");
        }

        foreach (string set in new[] { "delayed", "completed", "dead", "cancelled" })
        {
            foreach (string id in await Ids(set))
            {
                Add(id, set);
            }
        }

        foreach (var entry in await Db.HashKeysAsync(Key("jobs")))
        {
            if (entry != QueueKeys.Pin && !result.ContainsKey(entry.ToString()))
            {
                result[entry.ToString()] = [];
            }
        }

        return result;
    }
}
