using System.Text.Json;
using Conveyor.Server.Api;
using Microsoft.Extensions.Options;

namespace Conveyor.Server.Webhooks;

/// <summary>
/// <c>POST /hooks/{name}</c>: a signed delivery becomes one job, whose id is the provider's delivery id, so a
/// redelivered webhook finds its job already there and never creates a second one.
/// </summary>
internal static class HookEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/hooks/{name}", ReceiveAsync).WithTags("Webhooks").AddEndpointFilter<ProblemFilter>()
            .WithSummary("Receive a signed webhook delivery: 202 with the job id; 401 for a bad signature; 404 for an unknown hook.");

    private static async Task<IResult> ReceiveAsync(string name, HttpRequest request, ConveyorClient client, RequestBody body,
        IOptions<ConveyorServerOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (!options.Value.Hooks.TryGetValue(name, out var hook))
        {
            return Problems.NotFound($"There is no hook '{name}'. Hooks are configured under Conveyor:Server:Hooks:{{name}} with a Queue and a Secret.");
        }

        byte[] raw = await body.ReadBytesAsync(request, ct).ConfigureAwait(false);
        if (HookSignature.Check(hook, request.Headers, raw, time.GetUtcNow()) is { } refused)
        {
            return Problems.Unauthorized($"{refused} Nothing was enqueued.");
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(raw);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest($"The delivery's body is not valid JSON ({e.Message}). Nothing was enqueued.");
        }

        using (json)
        {
            string? deliveryId = DeliveryId(hook, request.Headers, json.RootElement);
            if (deliveryId is null)
            {
                return Problems.BadRequest($"The delivery has no id in {hook.DeliveryIdSource}, which the job id is taken from so a redelivery is not processed twice. Nothing was enqueued.");
            }

            var queue = client.Queue(hook.Queue);
            var result = await queue.EnqueueAsync(hook.JobName ?? $"hook.{name}", json.RootElement, new EnqueueOptions { Id = QueueName.ValidateJobId(deliveryId) }, ct)
                .ConfigureAwait(false);
            return TypedResults.Accepted($"/api/queues/{queue.Name}/jobs/{Uri.EscapeDataString(result.Id)}",
                new HookAcceptedView(result.Id, queue.Name, result.Duplicate));
        }
    }

    /// <summary>The delivery id from a header, or from a JSON field when the source is <c>$.path.to.field</c>.</summary>
    private static string? DeliveryId(HookOptions hook, IHeaderDictionary headers, JsonElement body)
    {
        string source = hook.DeliveryIdSource;
        if (!source.StartsWith("$.", StringComparison.Ordinal))
        {
            return headers[source].FirstOrDefault() is { Length: > 0 } h ? h : null;
        }

        var node = body;
        foreach (string part in source[2..].Split('.'))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return null;
            }
        }

        return node.ValueKind switch
        {
            JsonValueKind.String => node.GetString(),
            JsonValueKind.Number => node.GetRawText(),
            _ => null,
        };
    }
}
