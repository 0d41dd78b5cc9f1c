using Conveyor.Testing;

namespace Conveyor.Cli.Tests;

/// <summary>The long-running commands other than worker and up: server, and info --watch.</summary>
public sealed class HostCommandTests(CliFixture cli)
{
    [Fact]
    public async Task Server_serves_the_api_on_the_given_address_and_stops_on_sigterm()
    {
        int port = Ports.Free();
        string queue = CliFixture.UniqueQueue();
        await cli.Client.Queue(queue).EnqueueAsync("n", 1);
        using var server = Conveyor.Start(["server", "--urls", $"http://127.0.0.1:{port}"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string body = "";
            await Eventually.True(async () =>
            {
                try
                {
                    body = await http.GetStringAsync("/api/queues");
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "the server answers", 30_000);

            Assert.Contains(queue, body);
            Conveyor.Terminate(server);
            Assert.True(server.WaitForExit(20_000), "the server stopped on SIGTERM");
            Assert.Equal(0, server.ExitCode);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Server_without_an_api_key_refuses_a_public_address_with_a_usage_error()
    {
        var run = await cli.RunAsync("server", "--urls", $"http://0.0.0.0:{Ports.Free()}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("without an API key", run.Err);
    }

    [Fact]
    public async Task Info_watch_refreshes_until_stopped()
    {
        string queue = CliFixture.UniqueQueue();
        await cli.Client.Queue(queue).EnqueueAsync("n", 1);
        using var watch = Conveyor.Start(["info", queue, "--watch", "--interval", "0.2"], new() { ["CONVEYOR_REDIS"] = cli.Redis });
        var output = watch.StandardOutput.ReadToEndAsync();
        await Eventually.SleepAtLeast(2_500);
        Conveyor.Terminate(watch);
        Assert.True(watch.WaitForExit(20_000), "info --watch stopped on SIGTERM");

        int tables = (await output).Split('\n').Count(l => l.StartsWith("QUEUE ", StringComparison.Ordinal));
        Assert.True(tables >= 3, $"expected several refreshes in 2.5 s at 0.2 s intervals, saw {tables}");
    }
}
