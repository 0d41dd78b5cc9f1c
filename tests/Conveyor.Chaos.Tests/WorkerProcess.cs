using System.Diagnostics;

namespace Conveyor.Chaos.Tests;

/// <summary>A Conveyor.ChaosWorker running as a separate OS process.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<WorkerProcess> StartAsync(string redis, string queue, string log, Dictionary<string, string>? env = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Conveyor.ChaosWorker.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["CHAOS_REDIS"] = redis;
        start.Environment["CHAOS_QUEUE"] = queue;
        start.Environment["CHAOS_LOG"] = log;
        foreach (var (key, value) in env ?? [])
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        // Its log shares stdout: a recovery at start-up may log before "ready" is printed.
        var seen = new List<string>();
        string? line;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((line = await process.StandardOutput.ReadLineAsync().WaitAsync(deadline - DateTime.UtcNow)) != "ready")
        {
            if (line is null)
            {
                throw new InvalidOperationException($"The chaos worker exited before it was ready: {string.Join(" | ", seen)}");
            }

            seen.Add(line);
        }

        _ = CopyOutputAsync(process, log + ".out");
        return new WorkerProcess(process);
    }

    private static async Task CopyOutputAsync(Process process, string path)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            await File.AppendAllTextAsync(path, $"{process.Id}: {line}\n");
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd or Kubernetes would send.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited with {kill.ExitCode}.");
        }
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
