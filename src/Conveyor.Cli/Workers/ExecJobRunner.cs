using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Conveyor.Cli.Workers;

/// <summary>
/// Runs one job as one process: <c>sh -c CMD</c> in a session of its own, the job as JSON on stdin and in
/// <c>CONVEYOR_*</c> variables. Exit 0 is success (a JSON last line of stdout is the result); anything else fails the
/// attempt with the tail of stderr. Stdout lines <c>::progress 42</c> / <c>::progress {json}</c> and <c>::log text</c>
/// report progress and log lines. On cancel, timeout or shutdown the whole process group gets SIGTERM, then SIGKILL
/// after the grace period, so a program that ignores SIGTERM cannot keep a job.
/// </summary>
internal sealed partial class ExecJobRunner(string command, TimeSpan grace) : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> _groups = new();
    private const int StderrTail = 4000;
    private static readonly TimeSpan PipeGrace = TimeSpan.FromSeconds(2);
    private const int SigTerm = 15;
    private const int SigKill = 9;

    public async Task<JsonElement?> RunAsync(JsonElement data, JobContext job, CancellationToken ct)
    {
        // setsid makes the shell the leader of a new process group, so one signal reaches it and everything it started.
        var start = new ProcessStartInfo("setsid", ["/bin/sh", "-c", command])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CONVEYOR_JOB_ID"] = job.Id;
        start.Environment["CONVEYOR_QUEUE"] = job.Queue;
        start.Environment["CONVEYOR_JOB_NAME"] = job.Name;
        start.Environment["CONVEYOR_ATTEMPT"] = job.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{command}'.");
        int group = process.Id;
        _groups.TryAdd(group, 0);
        try
        {
            var stdout = ReadStdoutAsync(process.StandardOutput, job);
            var stderr = ReadTailAsync(process.StandardError);
            var input = WriteJobAsync(process, data, job); // not awaited alone: a program that never reads stdin must still be stoppable
            var finished = Task.WhenAll(process.WaitForExitAsync(CancellationToken.None), stdout, stderr, input);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (ct.Register(() => _ = Task.Run(async () =>
            {
                await StopAsync(group, finished);
                await Task.WhenAny(finished, Task.Delay(PipeGrace));
                stopped.TrySetResult();
            })))
            {
                // Done when the program exited and its output closed: a child still holding stdout is still working.
                await Task.WhenAny(finished, stopped.Task);
            }

            if (!finished.IsCompleted)
            {
                // Stopped, but something that left the process group (setsid, a daemon) still holds the pipes: the job
                // must not wait for it. Disposing the process closes our ends; the readers' errors are expected.
                _ = finished.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                ct.ThrowIfCancellationRequested();
            }

            return Outcome(process, await stdout, await stderr, ct);
        }
        finally
        {
            _groups.TryRemove(group, out _);
        }
    }

    /// <summary>
    /// Called when the worker's host is disposed: a job's process group must not outlive the worker (its job goes back
    /// to the queue and may run elsewhere), even when the worker exits before the SIGKILL of <see cref="StopAsync"/>.
    /// </summary>
    public void Dispose()
    {
        foreach (int group in _groups.Keys)
        {
            Signal(group, SigKill);
        }
    }

    private JsonElement? Outcome(Process process, string? lastLine, string errors, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested(); // stopped by cancel, timeout or shutdown: the runtime decides what that means

        if (process.ExitCode != 0)
        {
            string how = process.ExitCode > 128 ? $"was killed by signal {process.ExitCode - 128}" : $"exited with code {process.ExitCode}";
            throw new ExecFailedException($"'{command}' {how}.{(errors.Length > 0 ? "\n" + errors : " It wrote nothing to stderr.")}");
        }

        return lastLine is not null && TryJson(lastLine, out var result) ? result : null;
    }

    private static async Task WriteJobAsync(Process process, JsonElement data, JobContext job)
    {
        try
        {
            var json = JsonSerializer.Serialize(new ExecJob(job.Id, job.Queue, job.Name, data, job.Attempt), ExecJson.Default.ExecJob);
            await process.StandardInput.WriteAsync(json);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input: its exit code says how it went.
        }
    }

    private async Task StopAsync(int group, Task finished)
    {
        Signal(group, SigTerm);
        if (await Task.WhenAny(finished, Task.Delay(grace)) != finished)
        {
            Signal(group, SigKill); // the group, not just the shell: a child that ignored SIGTERM goes too
        }
    }

    private static void Signal(int group, int signal) => _ = Kill(-group, signal); // negative: the whole group; a group already gone is ESRCH, harmless

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private static async Task<string?> ReadStdoutAsync(StreamReader reader, JobContext job)
    {
        string? last = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            try
            {
                if (line.StartsWith("::progress ", StringComparison.Ordinal))
                {
                    string value = line["::progress ".Length..].Trim();
                    await job.ReportProgressAsync(JsonOrString(value));
                    continue;
                }

                if (line.StartsWith("::log ", StringComparison.Ordinal))
                {
                    await job.LogAsync(line["::log ".Length..]);
                    continue;
                }
            }
            catch (Exception e) when (e is ConveyorException or StackExchange.Redis.RedisException)
            {
                // Progress and log are best effort: keep draining stdout, or the program would block on its next write.
                continue;
            }

            if (line.Trim().Length > 0)
            {
                last = line;
            }
        }

        return last;
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, n);
            if (tail.Length > StderrTail * 2)
            {
                tail.Remove(0, tail.Length - StderrTail);
            }
        }

        string text = tail.ToString().TrimEnd();
        return text.Length <= StderrTail ? text : "…" + text[^StderrTail..];
    }

    /// <summary>The text as JSON when it parses as JSON, else as a JSON string.</summary>
    internal static JsonElement JsonOrString(string text) =>
        TryJson(text, out var value) ? value : JsonSerializer.SerializeToElement(text, ExecJson.Default.String);

    private static bool TryJson(string text, out JsonElement value)
    {
        value = default;
        text = text.Trim();
        if (text.Length == 0 || text[0] is not ('{' or '[' or '"' or '-' or (>= '0' and <= '9')) && text is not ("true" or "false" or "null"))
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            value = doc.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

}

/// <summary>What an --exec program gets on stdin.</summary>
internal sealed record ExecJob(string Id, string Queue, string Name, JsonElement Data, int Attempt);

/// <summary>An --exec program failed; the message carries its exit code and the tail of its stderr.</summary>
internal sealed class ExecFailedException(string message) : Exception(message);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ExecJob))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ExecJson : System.Text.Json.Serialization.JsonSerializerContext;
