using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Server.Tests.Testing;

/// <summary>The real server, built as Program.cs builds it, listening on a free loopback port.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri address)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = address };
    }

    public HttpClient Http { get; }

    public Uri Address => Http.BaseAddress!;

    public ConveyorClient Client => _app.Services.GetRequiredService<ConveyorClient>();

    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Starts a server on <paramref name="redis"/> with extra configuration as <c>key=value</c> pairs.</summary>
    public static async Task<TestServer> StartAsync(string redis, params string[] settings)
    {
        string[] args = ["--urls=http://127.0.0.1:0", $"--Conveyor:Redis={redis}", .. settings.Select(s => "--" + s)];
        var app = await ConveyorServerHost.BuildAsync(args, b => b.Logging.ClearProviders());
        await app.StartAsync();
        return new TestServer(app, new Uri(app.Urls.First()));
    }

    public void UseKey(string key) => Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public static class Responses
{
    /// <summary>Asserts the status and that the body is a problem detail whose detail mentions every fragment.</summary>
    public static async Task<string> AssertProblemAsync(this HttpResponseMessage response, int status, params string[] fragments)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string detail = JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, detail, StringComparison.OrdinalIgnoreCase);
        }

        return detail;
    }

    public static async Task<string> TextAsync(this HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, int status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
