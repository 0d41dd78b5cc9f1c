// Enqueues a few jobs and runs them in the same process. Store: Redis at REDIS_URL if set, else the embedded
// store (data in ./.conveyor/data), so nothing needs to be installed.
using Conveyor;
using Conveyor.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

string? redis = Environment.GetEnvironmentVariable("REDIS_URL");
await using var embedded = redis is null ? await EmbeddedStore.StartAsync(new EmbeddedStoreOptions { Port = 0 }) : null;
Console.WriteLine(embedded is null ? $"store: redis {redis}" : $"store: redis://{embedded.Configuration} (embedded, data in {embedded.DataDirectory})");

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddConveyor(o => o.Redis = redis ?? embedded!.Configuration)
    .AddHandler<SendEmail, string>("emails", async (email, job, ct) =>
    {
        await job.ReportProgressAsync(50);
        await Task.Delay(100, ct); // pretend to talk to an SMTP server
        return $"sent to {email.To} on attempt {job.Attempt}";
    }, o => o.Concurrency = 5);
using var host = builder.Build();
await host.StartAsync();

var emails = host.Services.GetRequiredService<ConveyorClient>().Queue("emails");
var ids = new List<string>();
foreach (string to in new[] { "ada@example.com", "grace@example.com", "alan@example.com" })
{
    ids.Add((await emails.EnqueueAsync("email.send", new SendEmail(to))).Id);
}

foreach (string id in ids)
{
    JobInfo? job;
    while ((job = await emails.GetAsync(id))?.State is not JobState.Completed)
    {
        await Task.Delay(50);
    }

    Console.WriteLine($"{id}: {job.State.Name()} — {job.Result}");
}

Console.WriteLine($"queue 'emails': {await emails.CountsAsync()}");
await host.StopAsync();

internal sealed record SendEmail(string To);
