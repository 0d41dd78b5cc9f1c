using Conveyor.Server.Security;
using Conveyor.Server.Tests.Testing;
using Microsoft.Extensions.Logging;

namespace Conveyor.Server.Tests;

public sealed class SecurityTests(ServerFixture redis)
{
    [Fact]
    public async Task With_keys_every_api_call_needs_a_bearer_key_but_liveness_stays_open()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration, "Conveyor:Server:ApiKeys:0=first-key", "Conveyor:Server:ApiKeys:1=second-key");
        string queue = ServerFixture.UniqueQueue();

        var none = await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"a"}""");
        await none.AssertProblemAsync(401, "requires an API key", "Authorization: Bearer");
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        server.UseKey("wrong-key");
        await (await server.Http.GetAsync("/api/queues")).AssertProblemAsync(401, "was not accepted");
        await (await server.Http.GetAsync("/metrics")).AssertProblemAsync(401);
        await (await server.Http.GetAsync("/health")).AssertProblemAsync(401);
        Assert.False(await server.Client.QueueExistsAsync(queue));

        server.UseKey("second-key");
        await (await server.PostJsonAsync($"/api/queues/{queue}/jobs", """{"name":"a"}""")).JsonAsync(201);
        await (await server.Http.GetAsync("/metrics")).TextAsync(200);

        server.Http.DefaultRequestHeaders.Authorization = null;
        await (await server.Http.GetAsync("/health/live")).JsonAsync(200);
    }

    [Fact]
    public async Task Without_keys_the_server_refuses_to_listen_beyond_loopback()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ConveyorServerHost.BuildAsync(["--urls=http://0.0.0.0:0", $"--Conveyor:Redis={redis.Configuration}"]));

        Assert.Contains("Refusing to listen on http://0.0.0.0:0 without an API key", e.Message);
        Assert.Contains("Conveyor:Server:ApiKeys", e.Message);
    }

    [Fact]
    public async Task With_a_key_the_server_listens_on_every_interface()
    {
        await using var app = await ConveyorServerHost.BuildAsync(
            ["--urls=http://0.0.0.0:0", $"--Conveyor:Redis={redis.Configuration}", "--Conveyor:Server:ApiKeys:0=k"], b => b.Logging.ClearProviders());
        await app.StartAsync();
        int port = new Uri(app.Urls.First()).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await (await http.GetAsync("/health/live")).JsonAsync(200);
        await app.StopAsync();
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://192.168.1.10:5080", false)]
    [InlineData("http://example.com:5080", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) =>
        Assert.Equal(loopback, BindCheck.IsLoopback(url));
}
