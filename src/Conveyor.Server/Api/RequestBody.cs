using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Conveyor.Server.Api;

/// <summary>Reads a request body whole, refusing it once it passes the configured size, and parses it as JSON.</summary>
internal sealed class RequestBody(IOptions<ConveyorServerOptions> options)
{
    private int Max => options.Value.MaxRequestBytes;

    /// <summary>The raw bytes, for signatures computed over them.</summary>
    public async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > Max)
        {
            throw TooLarge(request.ContentLength.Value);
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(ct).ConfigureAwait(false);
            if (read.Buffer.Length > Max)
            {
                reader.AdvanceTo(read.Buffer.Start);
                throw TooLarge(read.Buffer.Length);
            }

            if (read.IsCompleted)
            {
                byte[] body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    public async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken ct)
    {
        // The content type is not checked: `curl -d` sends JSON labelled as a form, and the body either parses or gets a clear error.
        byte[] body = await ReadBytesAsync(request, ct).ConfigureAwait(false);
        if (body.Length == 0)
        {
            throw ApiProblem.BadRequest("The request body is empty; send the job as JSON, for example {\"name\":\"email.send\",\"data\":{\"to\":\"ada@example.com\"}}.");
        }

        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiProblem.BadRequest($"The request body is not valid JSON ({e.Message}).");
        }
    }

    private ApiProblem TooLarge(long size) => ApiProblem.TooLarge(
        $"The request body is at least {size} bytes; the limit is {Max} (Conveyor:Server:MaxRequestBytes). " +
        "Store large payloads elsewhere and enqueue a reference to them.");
}
