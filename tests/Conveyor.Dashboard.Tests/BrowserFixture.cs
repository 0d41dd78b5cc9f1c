using Conveyor.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Conveyor.Dashboard.Tests.BrowserFixture))]

namespace Conveyor.Dashboard.Tests;

/// <summary>
/// One redis-server, one Conveyor server and one headless Chromium (Debian's, driven by Playwright) for the run.
/// Tests isolate by queue name and open a fresh browser context each.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    private RedisServer _redis = null!;
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string RedisConfiguration => _redis.Configuration;

    public string Address { get; private set; } = "";

    public ConveyorClient Client => _app.Services.GetRequiredService<ConveyorClient>();

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: the test output folder, to look at after a run.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        _redis = await RedisServer.StartAsync();
        Redis = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},abortConnect=false");
        _app = await StartServerAsync(_redis.Configuration);
        Address = _app.Urls.First();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public static async Task<WebApplication> StartServerAsync(string redis, params string[] settings)
    {
        var app = await Server.ConveyorServerHost.BuildAsync(
            ["--urls=http://127.0.0.1:0", $"--Conveyor:Redis={redis}", .. settings.Select(s => "--" + s)], b => b.Logging.ClearProviders());
        await app.StartAsync();
        return app;
    }

    public async Task<IPage> OpenAsync(string hash = "#/", int width = 1280, string? address = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await page.GotoAsync((address ?? Address) + "/" + hash);
        await Ready(page);
        return page;
    }

    /// <summary>The dashboard sets body[data-ready=true] once a page has rendered its data.</summary>
    public static Task Ready(IPage page) => page.Locator("body[data-ready='true']").WaitForAsync();

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.EvaluateAsync("window.scrollTo(0, 0)"); // else the sticky header is drawn where the page was scrolled to
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Redis.DisposeAsync();
        await _redis.DisposeAsync();
    }

    public static string UniqueQueue(string hint = "q") => $"{hint}-{Guid.NewGuid():N}"[..(hint.Length + 9)];
}
