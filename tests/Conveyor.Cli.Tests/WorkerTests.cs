using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Conveyor.Testing;

namespace Conveyor.Cli.Tests;

/// <summary><c>conveyor worker --exec / --http</c>: any program as a worker, with the runtime's retries, cancel and timeouts.</summary>
public sealed class WorkerTests(CliFixture cli) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("conveyor-cli-").FullName;

    [Fact]
    public async Task An_exec_worker_gives_the_job_on_stdin_and_takes_progress_log_and_a_json_result()
    {
        string queue = CliFixture.UniqueQueue();
        string script = Script("ok.sh", """
            job=$(cat)
            echo "::progress 50"
            echo "::log working on $CONVEYOR_JOB_ID ($CONVEYOR_JOB_NAME, attempt $CONVEYOR_ATTEMPT, queue $CONVEYOR_QUEUE)"
            echo "some chatter"
            echo "{\"got\": $job}"
            """);
        string id = (await cli.Client.Queue(queue).EnqueueAsync("resize", new { width = 640 })).Id;

        var run = await cli.RunAsync("worker", queue, "--exec", script, "--burst");

        Assert.Equal(0, run.ExitCode);
        var job = (await cli.Client.Queue(queue).GetAsync(id))!;
        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal(50, job.Progress!.Value.GetInt32());
        Assert.Equal($"working on {id} (resize, attempt 1, queue {queue})", job.Log.Single().Text);
        var got = job.Result!.Value.GetProperty("got");
        Assert.Equal((id, queue, "resize", 640, 1), (got.GetProperty("id").GetString(), got.GetProperty("queue").GetString(),
            got.GetProperty("name").GetString(), got.GetProperty("data").GetProperty("width").GetInt32(), got.GetProperty("attempt").GetInt32()));
    }

    [Fact]
    public async Task A_failing_program_is_retried_then_dead_with_its_exit_code_and_stderr_and_retry_all_dead_revives_it()
    {
        string queue = CliFixture.UniqueQueue();
        string script = Script("fail.sh", """
            cat > /dev/null
            echo "connecting to the encoder" >&2
            echo "fatal: encoder refused the file" >&2
            exit 3
            """);
        string id = (await cli.Client.Queue(queue).EnqueueAsync("encode", 1, new EnqueueOptions { Attempts = 2, Backoff = Backoff.Fixed(TimeSpan.FromMilliseconds(10)) })).Id;

        await RunUntilAsync(["worker", queue, "--exec", script], () => cli.Client.Queue(queue).GetAsync(id).ContinueWith(t => t.Result!.State == JobState.Dead));

        var job = (await cli.Client.Queue(queue).GetAsync(id))!;
        Assert.Equal(2, job.Errors.Count);
        Assert.All(job.Errors, e => Assert.Contains("exited with code 3", e.Message));
        Assert.Contains("fatal: encoder refused the file", job.Errors[0].Message);
        var shown = await cli.RunAsync("job", queue, id);
        Assert.Contains("fatal: encoder refused the file", shown.Out);
        Assert.Contains("attempt 2 failed", shown.Out);

        var retried = await cli.RunAsync("retry", queue, "--all-dead");
        Assert.Equal(0, retried.ExitCode);
        Assert.Contains("1 dead jobs", retried.Out);
        Assert.Equal(JobState.Waiting, (await cli.Client.Queue(queue).GetAsync(id))!.State);
    }

    [Fact]
    public async Task Cancel_stops_a_program_that_ignores_sigterm_by_killing_its_process_group()
    {
        string queue = CliFixture.UniqueQueue();
        string pidFile = Path.Combine(_dir, "child.pid");
        string script = Script("stubborn.sh", $"""
            trap '' TERM
            sleep 300 &
            echo $! > {pidFile}
            wait
            """);
        string id = (await cli.Client.Queue(queue).EnqueueAsync("stubborn", 1)).Id;
        using var worker = Conveyor.Start(["worker", queue, "--exec", script, "--kill-after", "1s"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        try
        {
            await Eventually.True(() => Task.FromResult(File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0), "the script started its child", 30_000);
            int child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

            var cancel = await cli.RunAsync("cancel", queue, id);

            Assert.Equal(0, cancel.ExitCode);
            Assert.Contains("told to stop", cancel.Out);
            await Eventually.State(cli.Client.Queue(queue), id, JobState.Cancelled, 15_000);
            await Eventually.True(() => Task.FromResult(!Directory.Exists($"/proc/{child}") || File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal)),
                "the script's child process is gone", 10_000);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Cancel_does_not_wait_for_a_child_that_left_the_process_group_and_holds_the_output()
    {
        string queue = CliFixture.UniqueQueue();
        string pidFile = Path.Combine(_dir, "escaped.pid");
        // setsid puts the child in a session of its own: no group signal reaches it, and it keeps stdout open.
        string script = Script("escape.sh", $"""
            cat > /dev/null
            setsid sleep 300 &
            echo $! > {pidFile}
            wait
            """);
        string id = (await cli.Client.Queue(queue).EnqueueAsync("escape", 1)).Id;
        using var worker = Conveyor.Start(["worker", queue, "--exec", script, "--kill-after", "1s"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        try
        {
            await Eventually.True(() => Task.FromResult(File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0), "the script started its child", 30_000);

            Assert.Equal(0, (await cli.RunAsync("cancel", queue, id)).ExitCode);

            await Eventually.State(cli.Client.Queue(queue), id, JobState.Cancelled, 15_000);
            // The runner gave the job up itself (kill-after 1 s, then 2 s for the pipes); the runtime's last resort,
            // abandoning a handler that ignores cancellation for 5 s, must not have been needed.
            await Eventually.SleepAtLeast(4_000);
            Conveyor.Terminate(worker);
            Assert.True(worker.WaitForExit(20_000));
            string output = await worker.StandardOutput.ReadToEndAsync() + await worker.StandardError.ReadToEndAsync();
            Assert.DoesNotContain("abandoned", output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }

            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int escaped))
            {
                try
                {
                    Process.GetProcessById(escaped).Kill();
                }
                catch (ArgumentException)
                {
                }
            }
        }
    }

    [Fact]
    public async Task A_program_that_crashes_fails_its_attempt_saying_which_signal_killed_it()
    {
        string queue = CliFixture.UniqueQueue();
        string script = Script("crash.sh", "cat > /dev/null; kill -SEGV $$");
        string id = (await cli.Client.Queue(queue).EnqueueAsync("crash", 1, new EnqueueOptions { Attempts = 1 })).Id;

        await RunUntilAsync(["worker", queue, "--exec", script], () => cli.Client.Queue(queue).GetAsync(id).ContinueWith(t => t.Result!.State == JobState.Dead));

        Assert.Contains("killed by signal 11", (await cli.Client.Queue(queue).GetAsync(id))!.Errors.Single().Message);
    }

    [Fact]
    public async Task An_http_worker_posts_each_job_and_takes_2xx_as_success_with_the_body_and_anything_else_as_failure()
    {
        string queue = CliFixture.UniqueQueue();
        using var listener = new HttpListener();
        int port = Ports.Free();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                var job = await JsonDocument.ParseAsync(context.Request.InputStream);
                bool ok = job.RootElement.GetProperty("data").GetProperty("ok").GetBoolean();
                context.Response.StatusCode = ok ? 200 : 502;
                byte[] body = Encoding.UTF8.GetBytes(ok ? $"{{\"handled\":\"{job.RootElement.GetProperty("id").GetString()}\"}}" : "upstream down");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        var q = cli.Client.Queue(queue);
        string good = (await q.EnqueueAsync("call", new { ok = true })).Id;
        string bad = (await q.EnqueueAsync("call", new { ok = false }, new EnqueueOptions { Attempts = 1 })).Id;

        var run = await cli.RunAsync("worker", queue, "--http", $"http://127.0.0.1:{port}/jobs", "--burst");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(good, (await q.GetAsync(good))!.Result!.Value.GetProperty("handled").GetString());
        var failed = (await q.GetAsync(bad))!;
        Assert.Equal(JobState.Dead, failed.State);
        Assert.Contains("answered 502", failed.Errors.Single().Message);
        Assert.Contains("upstream down", failed.Errors.Single().Message);
        listener.Stop();
    }

    [Fact]
    public async Task A_timeout_stops_the_program_and_fails_the_attempt()
    {
        string queue = CliFixture.UniqueQueue();
        string script = Script("slow.sh", "cat > /dev/null; sleep 60");
        string id = (await cli.Client.Queue(queue).EnqueueAsync("slow", 1, new EnqueueOptions { Attempts = 1 })).Id;
        var watch = Stopwatch.StartNew();

        await RunUntilAsync(["worker", queue, "--exec", script, "--timeout", "1s", "--kill-after", "1s"],
            () => cli.Client.Queue(queue).GetAsync(id).ContinueWith(t => t.Result!.State == JobState.Dead));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the job ended after {watch.Elapsed}, not when its 1 s timeout passed");
        var job = (await cli.Client.Queue(queue).GetAsync(id))!;
        Assert.Contains("timed out", job.Errors.Single().Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Workers_lists_a_running_worker_by_its_name_and_retry_by_id_requeues_one_job()
    {
        string queue = CliFixture.UniqueQueue();
        string name = "cli-test-" + Guid.NewGuid().ToString("N")[..6];
        using var worker = Conveyor.Start(["worker", queue, "--exec", "cat > /dev/null; exit 1", "--name", name, "--concurrency", "3"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        try
        {
            string id = (await cli.Client.Queue(queue).EnqueueAsync("n", 1, new EnqueueOptions { Attempts = 1 })).Id;
            await Eventually.State(cli.Client.Queue(queue), id, JobState.Dead, 30_000);

            JsonElement mine = default;
            await Eventually.True(async () =>
            {
                var list = JsonDocument.Parse((await cli.RunAsync("workers", "--json")).Out).RootElement.GetProperty("workers");
                mine = list.EnumerateArray().SingleOrDefault(w => w.GetProperty("id").GetString() == name);
                return mine.ValueKind == JsonValueKind.Object && mine.GetProperty("failed").GetInt64() == 1; // counts arrive with the heartbeat
            }, "the worker is listed with its failure", 30_000);
            Assert.Equal(3, mine.GetProperty("queues").GetProperty(queue).GetInt32());
            Assert.Contains(name, (await cli.RunAsync("workers")).Out);

            Conveyor.Terminate(worker);
            Assert.True(worker.WaitForExit(20_000));
            var retried = await cli.RunAsync("retry", queue, id, "missing-id");
            Assert.Equal(3, retried.ExitCode); // one of the two was not found
            Assert.Contains("missing-id", retried.Err);
            Assert.Equal(JobState.Waiting, (await cli.Client.Queue(queue).GetAsync(id))!.State);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_worker_without_a_way_to_run_jobs_is_a_usage_error()
    {
        var run = await cli.RunAsync("worker", "q");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--exec", run.Err);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string name, string body)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private async Task RunUntilAsync(string[] args, Func<Task<bool>> done)
    {
        using var worker = Conveyor.Start(args, new() { ["CONVEYOR_REDIS"] = cli.Redis });
        try
        {
            await Eventually.True(done, $"conveyor {string.Join(' ', args)} got there", 30_000);
            Conveyor.Terminate(worker);
            Assert.True(worker.WaitForExit(20_000), "the worker stopped on SIGTERM");
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
            }
        }
    }
}
