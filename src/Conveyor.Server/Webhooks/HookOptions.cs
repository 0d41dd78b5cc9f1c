namespace Conveyor.Server.Webhooks;

/// <summary>One webhook: where its deliveries go and how their signatures are checked.</summary>
public sealed class HookOptions
{
    /// <summary>The queue each delivery is enqueued on. Required.</summary>
    public string Queue { get; set; } = "";

    /// <summary>The job name of each delivery. Default: <c>hook.{name}</c>.</summary>
    public string? JobName { get; set; }

    /// <summary>The shared secret the provider signs with. Required.</summary>
    public string Secret { get; set; } = "";

    /// <summary>How deliveries are signed: <see cref="HookScheme.GitHub"/> (the default), <see cref="HookScheme.Hmac"/> or <see cref="HookScheme.StandardWebhooks"/>.</summary>
    public HookScheme Scheme { get; set; } = HookScheme.GitHub;

    /// <summary>
    /// Where the delivery id comes from, which becomes the job id so a redelivery never makes a second job: a header
    /// name (default <c>X-GitHub-Delivery</c> for GitHub, <c>X-Webhook-Id</c> for HMAC), or <c>$.field.path</c> for a
    /// field of the JSON body (a payment's transaction id, say).
    /// </summary>
    public string? DeliveryId { get; set; }

    /// <summary>HMAC scheme: the header carrying <c>sha256=HEX</c> of <c>"{timestamp}.{body}"</c>. Default <c>X-Signature</c>.</summary>
    public string SignatureHeader { get; set; } = "X-Signature";

    /// <summary>HMAC scheme: the header carrying the Unix time in seconds of the delivery. Default <c>X-Timestamp</c>.</summary>
    public string TimestampHeader { get; set; } = "X-Timestamp";

    /// <summary>Hmac and StandardWebhooks: how far a delivery's timestamp may be from now before it is refused as a replay. Default 5 minutes.</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    internal string DeliveryIdSource => DeliveryId ?? Scheme switch
    {
        HookScheme.GitHub => "X-GitHub-Delivery",
        HookScheme.StandardWebhooks => "webhook-id",
        _ => "X-Webhook-Id",
    };
}

/// <summary>Signature schemes of webhook providers.</summary>
public enum HookScheme
{
    /// <summary><c>X-Hub-Signature-256: sha256=HEX</c>, an HMAC-SHA256 of the raw body (GitHub, and many who copied it).</summary>
    GitHub,

    /// <summary>An HMAC-SHA256 of <c>"{timestamp}.{body}"</c> with the timestamp in its own header, refused outside a tolerance window.</summary>
    Hmac,

    /// <summary>
    /// Standard Webhooks (Svix and the providers using it): <c>webhook-id</c>, <c>webhook-timestamp</c> and
    /// <c>webhook-signature: v1,BASE64</c> over <c>"{id}.{timestamp}.{body}"</c>; the delivery id is signed.
    /// </summary>
    StandardWebhooks,
}
