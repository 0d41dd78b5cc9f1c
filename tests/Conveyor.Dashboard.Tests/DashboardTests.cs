using Conveyor.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conveyor.Dashboard.Tests;

/// <summary>The dashboard in a real headless Chromium, against the real server and a real redis-server.</summary>
public sealed class DashboardTests(BrowserFixture web)
{
    [Fact]
    public async Task The_overview_shows_each_queues_counts_and_updates_live_when_a_job_is_enqueued_elsewhere()
    {
        string queue = BrowserFixture.UniqueQueue("emails");
        var q = web.Client.Queue(queue);
        await q.EnqueueAsync("email.send", new { to = "ada@example.com" });
        await q.EnqueueAsync("email.send", new { to = "grace@example.com" }, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        var page = await web.OpenAsync();

        var row = page.GetByTestId($"queue-row-{queue}");
        await Expect(row.GetByTestId("count-waiting")).ToHaveTextAsync("1");
        await Expect(row.GetByTestId("count-delayed")).ToHaveTextAsync("1");
        await BrowserFixture.ScreenshotAsync(page, "overview");

        await q.EnqueueAsync("email.send", new { to = "alan@example.com" }); // another process, as far as the page knows
        await Expect(row.GetByTestId("count-waiting")).ToHaveTextAsync("2");
    }

    [Fact]
    public async Task A_dead_jobs_error_and_stack_are_visible_and_retry_sends_it_back_to_a_worker_that_completes_it()
    {
        string queue = BrowserFixture.UniqueQueue("pay");
        bool fail = true;
        using var worker = await TestHost.StartAsync(web.Redis, c => c.AddHandler<int, string>(queue, (n, job, ct) =>
            fail ? throw new InvalidOperationException("card declined by issuer") : Task.FromResult("charged")));
        string id = (await web.Client.Queue(queue).EnqueueAsync("charge", 5, new EnqueueOptions { Attempts = 1 })).Id;
        await Eventually.State(web.Client.Queue(queue), id, JobState.Dead);

        var page = await web.OpenAsync($"#/queues/{queue}/jobs/{id}");

        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("dead");
        var error = page.GetByTestId("job-error").First;
        await Expect(error).ToContainTextAsync("card declined by issuer");
        await error.Locator("summary").First.ClickAsync(); // the stack is folded in <details>
        await Expect(error).ToContainTextAsync(nameof(A_dead_jobs_error_and_stack_are_visible_and_retry_sends_it_back_to_a_worker_that_completes_it));
        await BrowserFixture.ScreenshotAsync(page, "job-dead");

        fail = false;
        await page.GetByTestId("retry").ClickAsync();
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("completed");
        await Expect(page.Locator("main")).ToContainTextAsync("charged");
        await BrowserFixture.ScreenshotAsync(page, "job-completed");
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_and_shows_its_progress_first()
    {
        string queue = BrowserFixture.UniqueQueue("video");
        using var worker = await TestHost.StartAsync(web.Redis, c => c.AddHandler<int>(queue, async (n, job, ct) =>
        {
            await job.ReportProgressAsync(40);
            await Task.Delay(Timeout.Infinite, ct);
        }));
        string id = (await web.Client.Queue(queue).EnqueueAsync("encode", 1)).Id;
        await Eventually.State(web.Client.Queue(queue), id, JobState.Active);

        var page = await web.OpenAsync($"#/queues/{queue}/jobs/{id}");
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("active");
        await Expect(page.GetByTestId("job-progress")).ToContainTextAsync("40");
        await BrowserFixture.ScreenshotAsync(page, "job-active");

        await page.GetByTestId("cancel").ClickAsync();

        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("cancelled");
        Assert.Equal(JobState.Cancelled, (await web.Client.Queue(queue).GetAsync(id))!.State);
    }

    [Fact]
    public async Task Pause_stops_processing_and_resume_lets_the_worker_finish()
    {
        string queue = BrowserFixture.UniqueQueue("sms");
        await web.Client.Queue(queue).EnqueueAsync("seed", 0, new EnqueueOptions { Delay = TimeSpan.FromHours(1) });
        using var worker = await TestHost.StartAsync(web.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask));
        var page = await web.OpenAsync($"#/queues/{queue}");

        await page.GetByTestId("pause").ClickAsync();
        await Expect(page.GetByTestId("resume")).ToBeVisibleAsync();
        Assert.True((await web.Client.Queue(queue).CountsAsync()).Paused);
        string id = (await web.Client.Queue(queue).EnqueueAsync("sms.send", 1)).Id;
        await Expect(page.GetByTestId($"job-row-{id}")).ToBeVisibleAsync(); // the waiting tab shows it, live
        await Eventually.SleepAtLeast(500);
        Assert.Equal(JobState.Waiting, (await web.Client.Queue(queue).GetAsync(id))!.State);
        await BrowserFixture.ScreenshotAsync(page, "queue-paused");

        await page.GetByTestId("resume").ClickAsync();
        await Eventually.State(web.Client.Queue(queue), id, JobState.Completed);
        await Expect(page.GetByTestId("tab-completed")).ToContainTextAsync("1");
    }

    [Fact]
    public async Task Retry_all_dead_and_purge_ask_for_confirmation_first()
    {
        string queue = BrowserFixture.UniqueQueue("dead");
        using (var worker = await TestHost.StartAsync(web.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => throw new InvalidOperationException("no"))))
        {
            await web.Client.Queue(queue).EnqueueManyAsync(Enumerable.Range(0, 3).Select(i => new NewJob<int>("n", i, new EnqueueOptions { Attempts = 1 })));
            await Eventually.True(async () => (await web.Client.Queue(queue).CountsAsync()).Dead == 3, "3 dead");
            await worker.StopAsync(); // nothing may take the jobs once they are retried
        }

        var page = await web.OpenAsync($"#/queues/{queue}");
        await page.GetByTestId("purge-dead").ClickAsync();
        var dialog = page.Locator("dialog[open]");
        await Expect(dialog).ToContainTextAsync("3");
        await BrowserFixture.ScreenshotAsync(page, "queue-confirm");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal(3, (await web.Client.Queue(queue).CountsAsync()).Dead);

        await page.GetByTestId("retry-all-dead").ClickAsync();
        await page.GetByTestId("confirm").ClickAsync();
        await Eventually.True(async () => (await web.Client.Queue(queue).CountsAsync()) is { Dead: 0, Waiting: 3 }, "3 dead jobs are waiting again");
    }

    [Fact]
    public async Task The_queue_controls_are_reachable_and_usable_from_the_keyboard()
    {
        string queue = BrowserFixture.UniqueQueue("keys");
        await web.Client.Queue(queue).EnqueueAsync("n", 1);
        var page = await web.OpenAsync($"#/queues/{queue}");

        string? focused = null;
        for (int i = 0; i < 40 && focused != "pause"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused = await page.EvaluateAsync<string?>("document.activeElement?.dataset?.testid ?? null");
        }

        Assert.Equal("pause", focused);
        var outline = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle");
        Assert.NotEqual("none", outline); // a visible focus ring
        await page.Keyboard.PressAsync("Enter");
        await Eventually.True(async () => (await web.Client.Queue(queue).CountsAsync()).Paused, "Enter on the focused Pause button paused the queue");
    }

    [Fact]
    public async Task The_workers_page_lists_live_workers()
    {
        string queue = BrowserFixture.UniqueQueue("w");
        using var worker = await TestHost.StartAsync(web.Redis, c => c.AddHandler<int>(queue, (n, job, ct) => Task.CompletedTask, o => o.Concurrency = 3));
        await Eventually.True(async () => (await web.Client.ListWorkersAsync()).Any(w => w.Concurrency.ContainsKey(queue)), "the worker registered");

        var page = await web.OpenAsync("#/workers");

        await Expect(page.GetByTestId("worker-row").Filter(new() { HasText = queue })).ToContainTextAsync(Environment.MachineName);
        await BrowserFixture.ScreenshotAsync(page, "workers");
    }

    [Fact]
    public async Task On_a_phone_width_screen_the_overview_fits_and_the_queue_is_reachable()
    {
        string queue = BrowserFixture.UniqueQueue("phone");
        await web.Client.Queue(queue).EnqueueAsync("n", 1);

        var page = await web.OpenAsync(width: 375);

        int overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than a 375px screen");
        await page.GetByTestId($"queue-row-{queue}").GetByRole(AriaRole.Link, new() { Name = queue }).ClickAsync();
        await BrowserFixture.Ready(page);
        await Expect(page.GetByTestId("tab-waiting")).ToContainTextAsync("1");
        await BrowserFixture.ScreenshotAsync(page, "phone-queue");
    }

    [Fact]
    public async Task With_api_keys_the_dashboard_asks_for_one_shows_nothing_before_and_everything_after()
    {
        await using var app = await BrowserFixture.StartServerAsync(web.RedisConfiguration, "Conveyor:Server:ApiKeys:0=s3cret-key");
        string queue = BrowserFixture.UniqueQueue("keyed");
        await web.Client.Queue(queue).EnqueueAsync("n", 1);

        var page = await web.OpenAsync(address: app.Urls.First());

        await Expect(page.GetByTestId("login")).ToBeVisibleAsync();
        await Expect(page.GetByTestId($"queue-row-{queue}")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "login");
        await page.GetByLabel("API key").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("login")).ToContainTextAsync("That API key was not accepted.");

        await page.GetByLabel("API key").FillAsync("s3cret-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId($"queue-row-{queue}").GetByTestId("count-waiting")).ToHaveTextAsync("1");
    }
}
