using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Conveyor.Server.Security;

/// <summary>Checks <c>Authorization: Bearer KEY</c> against the configured keys in constant time.</summary>
internal sealed class ApiKeys(IOptions<ConveyorServerOptions> options)
{
    // Keys are compared as SHA-256 digests: equal lengths, so the comparison time says nothing about a key's length.
    private readonly byte[][] _digests = options.Value.ApiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

    public bool Required => _digests.Length > 0;

    public bool Accepts(HttpContext context)
    {
        if (!Required)
        {
            return true;
        }

        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var offered = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()));
        bool match = false;
        foreach (var digest in _digests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, offered); // no early exit: every key costs the same
        }

        return match;
    }
}

/// <summary>
/// Refuses requests without an accepted API key (401, with a problem detail saying how to send one). Without keys,
/// refuses requests that arrived on a non-loopback address (403): a host application may have opened one in code,
/// out of reach of the start-up check.
/// </summary>
internal sealed class RequireApiKey(ApiKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!keys.Required && context.HttpContext.Connection.LocalIpAddress is { } local && !System.Net.IPAddress.IsLoopback(local))
        {
            return Problems.Make(StatusCodes.Status403Forbidden, "Forbidden",
                "This Conveyor server has no API key, so it answers only on loopback addresses. Set Conveyor:Server:ApiKeys to serve other addresses.");
        }

        if (keys.Accepts(context.HttpContext))
        {
            return await next(context).ConfigureAwait(false);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Unauthorized(context.HttpContext.Request.Headers.Authorization.Count == 0
            ? "This server requires an API key: send 'Authorization: Bearer <key>' with a key from Conveyor:Server:ApiKeys."
            : "The API key was not accepted. Send 'Authorization: Bearer <key>' with a key from Conveyor:Server:ApiKeys.");
    }
}
