using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Conveyor.Bench;

/// <summary>
/// A benchmark worker in its own process: no-op handlers on the measured queue. It warms up on a private queue,
/// prints "ready", runs until its standard input closes, then prints one JSON line: when its first measured
/// handler started, the start time of each job (latency runs), and the CPU time it used while measured.
/// </summary>
internal static class WorkerProcess
{
    private const int WarmupJobs = 300_000;

    public static async Task<int> RunAsync(string redisConfig, string[] args)
    {
        string queue = Arg(args, "--queue")!;
        int concurrency = int.Parse(Arg(args, "--concurrency") ?? "50", CultureInfo.InvariantCulture);
        bool recordStarts = args.Contains("--record-starts");
        bool warmUp = !args.Contains("--no-warmup");
        string warmup = queue + "-warmup-" + Environment.ProcessId;

        long first = 0;
        var starts = new ConcurrentQueue<(int I, long Us)>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var redis = await ConnectionMultiplexer.ConnectAsync(redisConfig);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        var handlerOptions = (Action<HandlerOptions>)(o => o.Concurrency = concurrency);
        var conveyor = builder.Services.AddConveyor(o => o.IdleFetchInterval = TimeSpan.FromMinutes(10))
            .AddHandler<Payload>(queue, (p, _, _) =>
            {
                long now = NowUs();
                Interlocked.CompareExchange(ref first, now, 0);
                if (recordStarts)
                {
                    starts.Enqueue((p.I, now));
                }

                return Task.CompletedTask;
            }, handlerOptions);
        if (warmUp)
        {
            conveyor.AddHandler<Payload>(warmup, (_, _, _) => Task.CompletedTask, handlerOptions);
        }

        using var host = builder.Build();
        await host.StartAsync();

        if (warmUp)
        {
            // A worker is a long-running process: run the measured code paths (retention included) until the JIT's
            // tiers settle, then pause for its background compiler, so the figures are not start-up figures. With
            // 100 000 jobs, tiered PGO was still recompiling through the first ~125 000 measured ones (18 µs of CPU
            // per job for the first 25 000, 3 µs later); after 300 000 the first 25 000 cost 4 µs. (Idle workers
            // skip it: a second queue would double their periodic traffic.)
            var warm = host.Services.GetRequiredService<ConveyorClient>().Queue(warmup);
            await warm.EnqueueManyAsync(Enumerable.Range(0, WarmupJobs).Select(i => new NewJob<Payload>("noop", new Payload(i))));
            while ((await warm.CountsAsync()) is { Waiting: > 0 } or { Active: > 0 })
            {
                await Task.Delay(20);
            }

            await Task.Delay(500);
            await warm.PurgeAsync(JobState.Completed);
        }

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await host.StopAsync();
        Console.WriteLine(JsonSerializer.Serialize(new WorkerReport(first, cpu.TotalMilliseconds, allocated, starts.Select(s => new[] { s.I, s.Us }).ToArray())));
        return 0;
    }

    public static long NowUs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

internal sealed record Payload(int I);

internal sealed record WorkerReport(long FirstStartUs, double CpuMs, long AllocatedBytes, long[][] Starts);

/// <summary>A running benchmark worker process, seen from the parent.</summary>
internal sealed class WorkerChild : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerChild(Process process) => _process = process;

    public static async Task<List<WorkerChild>> StartAsync(string redis, string queue, int concurrency, int count, bool recordStarts = false, bool warmUp = true)
    {
        string self = Environment.ProcessPath!;
        string dll = typeof(WorkerChild).Assembly.Location;
        var children = new List<WorkerChild>();
        for (int i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo(self)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(dll);
            }

            foreach (string arg in new[] { "worker", "--redis", redis, "--queue", queue, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }

            if (recordStarts)
            {
                start.ArgumentList.Add("--record-starts");
            }

            if (!warmUp)
            {
                start.ArgumentList.Add("--no-warmup");
            }

            children.Add(new WorkerChild(Process.Start(start)!));
        }

        foreach (var child in children)
        {
            string? line = await child._process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
            if (line != "ready")
            {
                throw new InvalidOperationException($"Benchmark worker failed to start: {line}");
            }
        }

        return children;
    }

    /// <summary>Closes the worker's input, which stops it, and reads its report.</summary>
    public async Task<WorkerReport> StopAsync()
    {
        _process.StandardInput.Close();
        string? line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync();
        return JsonSerializer.Deserialize<WorkerReport>(line ?? "null") ?? throw new InvalidOperationException("Benchmark worker sent no report.");
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
