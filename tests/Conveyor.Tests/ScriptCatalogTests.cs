using Conveyor.Storage;
using StackExchange.Redis;

namespace Conveyor.Tests;

public class ScriptCatalogTests
{
    [Fact]
    public void Every_key_of_a_queue_is_in_one_cluster_hash_slot()
    {
        var keys = new QueueKeys("conveyor", "emails");
        var slots = QueueKeys.Names.Select(n => ClusterSlot(keys.Key(n).ToString())).Distinct().ToList();
        Assert.Single(slots);
        Assert.Equal("conveyor:{emails}:wait", keys.Key("wait").ToString());
    }

    [Fact]
    public void Every_script_loads_and_declares_only_known_keys()
    {
        var scripts = ScriptCatalog.Scripts.ToList();
        Assert.Contains(scripts, s => s.Name == "fetch");
        Assert.Equal(16, scripts.Count);
        foreach (var script in scripts)
        {
            Assert.NotEmpty(script.KeyNames);
            Assert.All(script.KeyNames, k => Assert.Contains(k, QueueKeys.Names));
            Assert.Equal(20, script.Sha1.Length);
        }
    }

    [Fact]
    public void A_script_that_forgets_jobs_must_declare_every_per_job_hash()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            ScriptCatalog.Build("broken", "--[[ x\nKEYS: jobs done\n]]\nforget(ids)", ""));
        Assert.Contains("lease", e.Message);
    }

    [Fact]
    public void Forgetting_finished_jobs_skips_only_the_lease_hash()
    {
        // _common.lua writes the finished jobs' list out for speed; it must stay the full list without 'lease'.
        string body = ScriptCatalog.Complete.Body;
        string[] List(string name) => System.Text.RegularExpressions.Regex.Match(body, "local " + name + @" = \{([^}]*)\}").Groups[1].Value
            .Split(',').Select(h => h.Trim().Trim('\'')).Where(h => h.Length > 0).ToArray();

        Assert.Contains("lease", List("JOB_HASHES"));
        Assert.Equal(List("JOB_HASHES").Where(h => h != "lease"), List("FINISHED_HASHES"));
    }

    [Fact]
    public void A_script_that_names_an_unknown_key_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ScriptCatalog.Build("typo", "--[[\nKEYS: jobs wiat\n]]", ""));
        Assert.Contains("wiat", e.Message);
    }

    private static int ClusterSlot(string key)
    {
        int open = key.IndexOf('{');
        int close = open < 0 ? -1 : key.IndexOf('}', open + 1);
        string tagged = close > open + 1 ? key[(open + 1)..close] : key;
        return Crc16(System.Text.Encoding.UTF8.GetBytes(tagged)) % 16384;
    }

    private static int Crc16(byte[] bytes)
    {
        int crc = 0;
        foreach (byte b in bytes)
        {
            crc ^= b << 8;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }

        return crc & 0xFFFF;
    }
}

public class EncodingPinTests(Testing.RedisFixture redis)
{
    [Fact]
    public async Task Hot_hashes_stay_hash_tables_even_when_small()
    {
        string q = Testing.RedisFixture.UniqueQueue();
        var queue = new ConveyorClient(redis.Redis).Queue(q);
        await queue.EnqueueAsync("n", 1);
        await queue.EnqueueAsync("n", 2);
        var jobs = (await queue.Store.FetchAsync(2, 30_000, "w")).Jobs;
        var probe = new Testing.Probe(redis.Redis, q);

        Assert.Equal("hashtable", await probe.Encoding("lease"));
        Assert.Equal("hashtable", await probe.Encoding("jobs"));
        Assert.Equal(2, (await queue.CountsAsync()).Active);
        Assert.Equal(2, (await queue.ListAsync(JobState.Active)).Jobs.Count);

        await queue.Store.CompleteAsync("w", jobs.Select(j => new Storage.Completion(j.Id, j.Token, "", "60000:10")).ToList());
        Assert.Equal("hashtable", await probe.Encoding("lease"));
        Assert.Equal(0, (await queue.CountsAsync()).Active);
        Assert.Empty(await probe.ActiveIds());
        Assert.Equal(0, await probe.HashLength("lease"));
    }
}
