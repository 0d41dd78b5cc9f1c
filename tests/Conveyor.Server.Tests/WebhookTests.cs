using System.Text;
using Conveyor.Server.Tests.Testing;
using Conveyor.Server.Webhooks;

namespace Conveyor.Server.Tests;

public sealed class WebhookTests(ServerFixture redis)
{
    private const string Secret = "It's a Secret to Everybody";

    [Fact]
    public async Task A_github_delivery_with_a_valid_signature_becomes_one_job_named_by_its_delivery_id()
    {
        string queue = ServerFixture.UniqueQueue();
        await using var server = await TestServer.StartAsync(redis.Configuration, GitHubHook(queue));
        string body = """{"ref":"refs/heads/main","commits":[{"id":"abc"}]}""";

        var response = await server.Http.SendAsync(GitHubDelivery(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", HookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body))));

        var accepted = await response.JsonAsync(202);
        Assert.Equal("72d3162e-cc78-11e3-81ab-4c9367dc0958", accepted.GetProperty("id").GetString());
        Assert.False(accepted.GetProperty("duplicate").GetBoolean());
        var job = await server.Client.Queue(queue).GetAsync("72d3162e-cc78-11e3-81ab-4c9367dc0958");
        Assert.Equal("github.push", job!.Name);
        Assert.Equal("abc", job.Data.GetProperty("commits")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_redelivered_webhook_finds_its_job_and_never_creates_a_second()
    {
        string queue = ServerFixture.UniqueQueue();
        await using var server = await TestServer.StartAsync(redis.Configuration, GitHubHook(queue));
        string body = """{"action":"opened"}""";
        string signature = HookSignature.Sign(Secret, Encoding.UTF8.GetBytes(body));

        await (await server.Http.SendAsync(GitHubDelivery(body, "delivery-1", signature))).JsonAsync(202);
        var again = await (await server.Http.SendAsync(GitHubDelivery(body, "delivery-1", signature))).JsonAsync(202);

        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(1, (await server.Client.Queue(queue).CountsAsync()).Waiting);
    }

    [Theory]
    [InlineData(null, "X-Hub-Signature-256 header is missing")]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000", "does not match")]
    [InlineData("sha256=zz", "not sha256=<hex>")]
    public async Task A_missing_or_wrong_signature_is_a_401_and_nothing_is_enqueued(string? signature, string reason)
    {
        string queue = ServerFixture.UniqueQueue();
        await using var server = await TestServer.StartAsync(redis.Configuration, GitHubHook(queue));

        var response = await server.Http.SendAsync(GitHubDelivery("""{"a":1}""", "d-1", signature));

        await response.AssertProblemAsync(401, reason, "Nothing was enqueued");
        Assert.False(await server.Client.QueueExistsAsync(queue));
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        string queue = ServerFixture.UniqueQueue();
        await using var server = await TestServer.StartAsync(redis.Configuration, GitHubHook(queue));
        string signature = HookSignature.Sign(Secret, Encoding.UTF8.GetBytes("""{"amount":1}"""));

        await (await server.Http.SendAsync(GitHubDelivery("""{"amount":1000}""", "d-2", signature))).AssertProblemAsync(401, "does not match");
        Assert.False(await server.Client.QueueExistsAsync(queue));
    }

    [Fact]
    public async Task An_unknown_hook_is_a_404()
    {
        await using var server = await TestServer.StartAsync(redis.Configuration);

        await (await server.Http.SendAsync(GitHubDelivery("{}", "d", "sha256=00"))).AssertProblemAsync(404, "There is no hook 'github'");
    }

    [Fact]
    public async Task An_hmac_delivery_takes_its_id_from_a_json_field_and_a_replayed_one_is_refused()
    {
        string queue = ServerFixture.UniqueQueue();
        await using var server = await TestServer.StartAsync(redis.Configuration,
            "Conveyor:Server:Hooks:payments:Queue=" + queue, "Conveyor:Server:Hooks:payments:Secret=" + Secret,
            "Conveyor:Server:Hooks:payments:Scheme=Hmac", "Conveyor:Server:Hooks:payments:JobName=payment.received",
            "Conveyor:Server:Hooks:payments:DeliveryId=$.data.transaction_id", "Conveyor:Server:Hooks:payments:Tolerance=00:05:00");
        string body = """{"type":"payment.succeeded","data":{"transaction_id":"txn_8842","amount":1999}}""";

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var accepted = await (await server.Http.SendAsync(HmacDelivery(body, now))).JsonAsync(202);
        Assert.Equal("txn_8842", accepted.GetProperty("id").GetString());
        Assert.Equal("payment.received", (await server.Client.Queue(queue).GetAsync("txn_8842"))!.Name);

        // The same, correctly signed delivery captured and replayed ten minutes later.
        long old = now - 600;
        await (await server.Http.SendAsync(HmacDelivery(body, old))).AssertProblemAsync(401, "outside the 300 s tolerance", "replay");
        // A fresh timestamp with the old signature does not verify.
        var tampered = HmacDelivery(body, old);
        tampered.Headers.Remove("X-Timestamp");
        tampered.Headers.Add("X-Timestamp", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await (await server.Http.SendAsync(tampered)).AssertProblemAsync(401, "does not match");
        Assert.Equal(1, (await server.Client.Queue(queue).StatsAsync())["enqueued"]);
    }

    [Fact]
    public async Task A_standard_webhooks_delivery_is_verified_with_its_id_signed_so_a_replay_under_a_new_id_fails()
    {
        string queue = ServerFixture.UniqueQueue();
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        await using var server = await TestServer.StartAsync(redis.Configuration,
            "Conveyor:Server:Hooks:svix:Queue=" + queue, "Conveyor:Server:Hooks:svix:Secret=" + secret, "Conveyor:Server:Hooks:svix:Scheme=StandardWebhooks");
        string body = """{"type":"invoice.paid","amount":1999}""";
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string signature = HookSignature.SignStandard(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, Encoding.UTF8.GetBytes(body));

        var accepted = await (await server.Http.SendAsync(StandardDelivery(body, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, "v1,bm90IGl0 " + signature))).JsonAsync(202);
        Assert.Equal("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", accepted.GetProperty("id").GetString());
        Assert.Equal("hook.svix", (await server.Client.Queue(queue).GetAsync("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"))!.Name);

        // The same signed delivery resent under another id, as someone replaying a captured request might.
        await (await server.Http.SendAsync(StandardDelivery(body, "msg_replayed", now, signature))).AssertProblemAsync(401, "does not match");
        await (await server.Http.SendAsync(StandardDelivery(body, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now - 3600, signature))).AssertProblemAsync(401, "tolerance");
        var doubled = StandardDelivery(body, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", now, signature);
        doubled.Headers.Add("webhook-id", "msg_other"); // the signed id and the job id must be the same single value
        await (await server.Http.SendAsync(doubled)).AssertProblemAsync(401); // sent as two lines or joined into one: refused either way
        Assert.Equal(1, (await server.Client.Queue(queue).StatsAsync())["enqueued"]);
    }

    [Fact]
    public void The_standard_webhooks_signature_matches_the_specifications_example()
    {
        // The example of the Standard Webhooks specification (also Svix's documentation).
        string signature = HookSignature.SignStandard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    private static HttpRequestMessage StandardDelivery(string body, string id, long timestamp, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/svix") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        return request;
    }

    private static string[] GitHubHook(string queue) =>
        ["Conveyor:Server:Hooks:github:Queue=" + queue, "Conveyor:Server:Hooks:github:Secret=" + Secret, "Conveyor:Server:Hooks:github:JobName=github.push"];

    private static HttpRequestMessage GitHubDelivery(string body, string delivery, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-GitHub-Event", "push");
        if (signature is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", signature);
        }

        return request;
    }

    private static HttpRequestMessage HmacDelivery(string body, long timestamp)
    {
        string stamp = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/payments") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Timestamp", stamp);
        request.Headers.Add("X-Signature", HookSignature.Sign(Secret, Encoding.UTF8.GetBytes(stamp + "." + body)));
        return request;
    }
}
