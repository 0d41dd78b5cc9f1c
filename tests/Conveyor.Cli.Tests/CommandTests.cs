using System.Text.Json;
using Conveyor.Testing;

namespace Conveyor.Cli.Tests;

/// <summary>The inspect and repair commands, as real processes: table, plain and JSON output, and exit codes.</summary>
public sealed class CommandTests(CliFixture cli)
{
    [Fact]
    public async Task Enqueue_prints_the_id_and_says_duplicate_when_the_id_existed()
    {
        string queue = CliFixture.UniqueQueue();

        var first = await cli.RunAsync("enqueue", queue, "email.send", "--data", """{"to":"ada@example.com"}""", "--priority", "5", "--attempts", "3");
        var again = await cli.RunAsync("enqueue", queue, "email.send", "--id", first.Out.Trim(), "--data", "{}");
        var delayed = await cli.RunAsync("enqueue", queue, "later", "--delay", "10m", "--json");

        Assert.Equal(0, first.ExitCode);
        string id = first.Out.Trim();
        var job = await cli.Client.Queue(queue).GetAsync(id);
        Assert.Equal(("email.send", "ada@example.com", 5, 3), (job!.Name, job.Data.GetProperty("to").GetString(), job.Priority, job.Options.Attempts));
        Assert.Equal($"{id} duplicate (waiting)", again.Out.Trim());
        var view = JsonDocument.Parse(delayed.Out).RootElement;
        Assert.Equal("delayed", view.GetProperty("state").GetString());
        Assert.Equal(JobState.Delayed, (await cli.Client.Queue(queue).GetAsync(view.GetProperty("id").GetString()!))!.State);
    }

    [Fact]
    public async Task Enqueue_reads_data_from_a_file_and_from_standard_input()
    {
        string queue = CliFixture.UniqueQueue();
        string file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """{"from":"file"}""");

        var fromFile = await cli.RunAsync("enqueue", queue, "n", "--data", "@" + file);

        Assert.Equal("file", (await cli.Client.Queue(queue).GetAsync(fromFile.Out.Trim()))!.Data.GetProperty("from").GetString());
        using var process = Conveyor.Start(["enqueue", queue, "n", "--data", "-"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        await process.StandardInput.WriteAsync("""{"from":"stdin"}""");
        process.StandardInput.Close();
        string id = (await process.StandardOutput.ReadToEndAsync()).Trim();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        Assert.Equal("stdin", (await cli.Client.Queue(queue).GetAsync(id))!.Data.GetProperty("from").GetString());
    }

    [Fact]
    public async Task Jobs_lists_a_state_as_an_aligned_table_when_piped_and_as_json()
    {
        string queue = CliFixture.UniqueQueue();
        var ids = (await cli.Client.Queue(queue).EnqueueManyAsync(Enumerable.Range(0, 3).Select(i => new NewJob<int>("n", i)))).Select(r => r.Id).ToList();

        var table = await cli.RunAsync("jobs", queue, "--limit", "2");
        var json = await cli.RunAsync("jobs", queue, "--json");

        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID", lines[0]);
        Assert.Equal(lines[0].IndexOf("NAME", StringComparison.Ordinal), lines[1].IndexOf(" n ", StringComparison.Ordinal) + 1); // columns align
        Assert.Contains(ids[0], lines[1]);
        Assert.Contains(ids[1], lines[2]);
        Assert.DoesNotContain(ids[2], table.Out);
        Assert.Equal(ids, JsonDocument.Parse(json.Out).RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Exit_codes_say_usage_error_not_found_and_no_redis()
    {
        string queue = CliFixture.UniqueQueue();
        await cli.Client.Queue(queue).EnqueueAsync("n", 1);

        var usage = await cli.RunAsync("jobs", queue, "--state", "finished");
        var badOption = await cli.RunAsync("jobs", queue, "--frobnicate");
        var badJson = await cli.RunAsync("enqueue", queue, "n", "--data", "{nope");
        var noJob = await cli.RunAsync("job", queue, "no-such-job");
        var noQueue = await cli.RunAsync("info", "no-such-queue-x");
        var noRedis = await Conveyor.RunAsync(["info", "--redis", "127.0.0.1:1"]);
        var nothing = await Conveyor.RunAsync(["info"], cwd: Path.GetTempPath());

        Assert.Equal((2, 2, 2, 3, 3, 4, 4), (usage.ExitCode, badOption.ExitCode, badJson.ExitCode, noJob.ExitCode, noQueue.ExitCode, noRedis.ExitCode, nothing.ExitCode));
        Assert.Contains("--state must be one of waiting, delayed, active, completed, dead, cancelled; it was 'finished'", usage.Err);
        Assert.Contains("--frobnicate", badOption.Err);
        Assert.Contains("--data is not valid JSON", badJson.Err);
        Assert.Contains("has no job 'no-such-job'", noJob.Err);
        Assert.Contains("Cannot reach Redis at 127.0.0.1:1", noRedis.Err);
        Assert.Contains("conveyor up", nothing.Err);
    }

    [Fact]
    public async Task Pause_resume_remove_purge_and_info_change_and_show_the_queue()
    {
        string queue = CliFixture.UniqueQueue();
        var q = cli.Client.Queue(queue);
        string id = (await q.EnqueueAsync("n", 1)).Id;
        string delayed = (await q.EnqueueAsync("n", 2, new EnqueueOptions { Delay = TimeSpan.FromHours(1) })).Id;

        Assert.Equal(0, (await cli.RunAsync("pause", queue)).ExitCode);
        Assert.True((await q.CountsAsync()).Paused);
        var info = JsonDocument.Parse((await cli.RunAsync("info", "--json")).Out).RootElement;
        var entry = info.GetProperty("queues").EnumerateArray().Single(e => e.GetProperty("name").GetString() == queue);
        Assert.True(entry.GetProperty("paused").GetBoolean());
        Assert.Equal((1, 1), (entry.GetProperty("counts").GetProperty("waiting").GetInt32(), entry.GetProperty("counts").GetProperty("delayed").GetInt32()));
        Assert.False(string.IsNullOrEmpty(info.GetProperty("redis").GetProperty("version").GetString()));
        Assert.Contains("paused", (await cli.RunAsync("info", queue)).Out);

        Assert.Equal(0, (await cli.RunAsync("resume", queue)).ExitCode);
        Assert.False((await q.CountsAsync()).Paused);
        Assert.Equal(0, (await cli.RunAsync("cancel", queue, delayed)).ExitCode);
        Assert.Equal(JobState.Cancelled, (await q.GetAsync(delayed))!.State);
        var purged = JsonDocument.Parse((await cli.RunAsync("purge", queue, "--state", "cancelled", "--json")).Out).RootElement;
        Assert.Equal(1, purged.GetProperty("count").GetInt64());
        Assert.Equal(0, (await cli.RunAsync("remove", queue, id)).ExitCode);
        Assert.Equal(3, (await cli.RunAsync("remove", queue, id)).ExitCode);
        Assert.Equal(new QueueCounts(0, 0, 0, 0, 0, 0, false), await q.CountsAsync());
        Assert.Equal(2, (await cli.RunAsync("purge", queue, "--state", "waiting")).ExitCode);
    }
}
