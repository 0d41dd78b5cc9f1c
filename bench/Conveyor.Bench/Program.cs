// Conveyor's end-to-end benchmark. See docs/benchmarks.md for how to run it and the figures it produced.
using Conveyor.Bench;
using Conveyor.Testing;

var options = BenchArgs.Parse(args);
await using var ownServer = options.Redis is null ? await RedisServer.StartAsync() : null;
string redis = options.Redis ?? ownServer!.Configuration;

return options.Scenario switch
{
    "enqueue-bulk" or "enqueue-single" or "process" or "latency" or "memory" or "idle" =>
        await Scenarios.RunOneAsync(options, redis),
    "worker" => await WorkerProcess.RunAsync(redis, args),
    "all" => await Suite.RunAsync(options, redis),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Conveyor.Bench [all | enqueue-bulk | enqueue-single | process | latency | memory | idle] " +
        "[--redis HOST:PORT] [--jobs N] [--concurrency N] [--processes N] [--runs N] [--json]");
    return 2;
}
