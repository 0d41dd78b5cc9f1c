// A worker process for the fault tests. It runs queue CHAOS_QUEUE on CHAOS_REDIS and appends one line per
// handler start and per handler end to CHAOS_LOG ("start|end ID ATTEMPT PID"), flushed at once, so the tests
// can count executions even of a process they killed. Job data says what each job does:
//   {"ms": 50}                 sleep (honouring cancellation), then succeed
//   {"ms": 50, "crash": true}  kill this process in the middle of the job
//   {"ms": 60000, "ignoreCancel": true}  sleep without looking at the token
// CHAOS_FAST=1 turns every sleep into 10 ms (a healthy replacement worker).
using Conveyor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) ?? fallback;
string queue = Env("CHAOS_QUEUE", "chaos");
string log = Env("CHAOS_LOG", Path.Combine(Path.GetTempPath(), "chaos.log"));
bool fast = Env("CHAOS_FAST", "0") == "1";
var logLock = new Lock();
void Record(string what, JobContext job)
{
    lock (logLock)
    {
        File.AppendAllText(log, $"{what} {job.Id} {job.Attempt} {Environment.ProcessId}\n");
    }
}

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddConveyor(o =>
    {
        o.Redis = Env("CHAOS_REDIS", "localhost:6379") + ",connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";
        o.Lease = TimeSpan.FromMilliseconds(int.Parse(Env("CHAOS_LEASE_MS", "1000")));
        o.RecoveryInterval = TimeSpan.FromMilliseconds(250);
        o.ShutdownTimeout = TimeSpan.FromMilliseconds(int.Parse(Env("CHAOS_SHUTDOWN_MS", "2000")));
        o.AbandonGrace = TimeSpan.FromMilliseconds(500);
        o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        o.IdleFetchInterval = TimeSpan.FromSeconds(2);
        o.KeepCompleted = new Retention(TimeSpan.FromHours(1), 1_000_000);
        o.Backoff = Backoff.Fixed(TimeSpan.FromMilliseconds(100));
        // The fault tests hit the same in-flight jobs with several faults in a row (a freeze, then cut connections);
        // each can cost a stall. A deployment on a flaky network would raise this from its default of 1 as well.
        o.MaxStalls = 5;
    })
    .AddHandler<ChaosJob>(queue, async (job, context, ct) =>
    {
        Record("start", context);
        int ms = fast ? 10 : job.Ms;
        if (job.Crash && !fast)
        {
            await Task.Delay(ms / 2, CancellationToken.None);
            Environment.FailFast("chaos: this job kills its worker");
        }

        await Task.Delay(ms, job.IgnoreCancel ? CancellationToken.None : ct);
        Record("end", context);
    }, o => o.Concurrency = int.Parse(Env("CHAOS_CONCURRENCY", "10")));

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
await host.WaitForShutdownAsync();

internal sealed record ChaosJob(int Ms, bool Crash = false, bool IgnoreCancel = false);
