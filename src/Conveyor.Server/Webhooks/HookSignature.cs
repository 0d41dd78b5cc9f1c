using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conveyor.Server.Webhooks;

/// <summary>Verifies a delivery's signature; every comparison of secret-derived bytes takes constant time.</summary>
internal static class HookSignature
{
    /// <summary>Null when the delivery is authentic, else why it is not (said to the caller: it names no secret).</summary>
    public static string? Check(HookOptions hook, IHeaderDictionary headers, byte[] body, DateTimeOffset now) => hook.Scheme switch
    {
        HookScheme.GitHub => CheckHex(hook.Secret, headers["X-Hub-Signature-256"], body, "X-Hub-Signature-256"),
        HookScheme.Hmac => CheckTimestamped(hook, headers, body, now),
        HookScheme.StandardWebhooks => CheckStandard(hook, headers, body, now),
        _ => "This hook's signature scheme is not supported.",
    };

    /// <summary>
    /// Standard Webhooks (standardwebhooks.com; Svix and others): <c>webhook-signature: v1,BASE64</c> (several,
    /// space-separated, during a key rotation) over <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>, keyed with the
    /// base64 part of a <c>whsec_…</c> secret. The delivery id is signed too, so a replay under a new id fails.
    /// </summary>
    private static string? CheckStandard(HookOptions hook, IHeaderDictionary headers, byte[] body, DateTimeOffset now)
    {
        foreach (string name in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" })
        {
            if (headers[name].Count != 1)
            {
                return $"The {name} header must be sent exactly once; it was sent {headers[name].Count} times.";
            }
        }

        string? id = headers["webhook-id"];
        if (string.IsNullOrEmpty(id))
        {
            return "The webhook-id header is empty.";
        }

        if (Stale(headers["webhook-timestamp"], "webhook-timestamp", hook.Tolerance, now) is { } stale)
        {
            return stale;
        }

        string? header = headers["webhook-signature"];
        if (string.IsNullOrEmpty(header))
        {
            return "The webhook-signature header is missing: deliveries must be signed.";
        }

        byte[] expected = StandardMac(hook.Secret, id, headers["webhook-timestamp"]!, body);
        bool match = false;
        foreach (string part in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("v1,", StringComparison.Ordinal) && TryBase64(part[3..], out byte[] offered))
            {
                match |= CryptographicOperations.FixedTimeEquals(expected, offered);
            }
        }

        return match ? null : "The webhook-signature does not match the id, timestamp and body.";
    }

    /// <summary>The <c>v1,BASE64</c> signature a Standard Webhooks sender would put in <c>webhook-signature</c>.</summary>
    public static string SignStandard(string secret, string id, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(StandardMac(secret, id, timestamp.ToString(CultureInfo.InvariantCulture), body));

    /// <summary>Standard Webhooks' MAC: HMAC-SHA256 of <c>id.timestamp.body</c>, keyed by the secret.</summary>
    private static byte[] StandardMac(string secret, string id, string timestamp, ReadOnlySpan<byte> body) =>
        HMACSHA256.HashData(StandardKey(secret), (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body]);

    /// <summary>HMAC-SHA256 of <paramref name="payload"/> keyed by the secret's UTF-8 bytes (GitHub and Hmac schemes).</summary>
    private static byte[] Mac(string secret, ReadOnlySpan<byte> payload) => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);

    private static byte[] StandardKey(string secret) =>
        secret.StartsWith("whsec_", StringComparison.Ordinal) && TryBase64(secret[6..], out byte[] key) ? key : Encoding.UTF8.GetBytes(secret);

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out int written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }

    private static string? Stale(string? stamp, string headerName, TimeSpan tolerance, DateTimeOffset now)
    {
        if (stamp is null || !long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return $"The {headerName} header is missing or not a Unix time in seconds.";
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        return age.Duration() > tolerance
            ? $"The delivery's timestamp is {Math.Abs(age.TotalSeconds):0} s from now, outside the {tolerance.TotalSeconds:0} s tolerance: refused as a possible replay."
            : null;
    }

    /// <summary>The <c>sha256=HEX</c> signature of <paramref name="payload"/>, as a provider would send it.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> payload) =>
        "sha256=" + Convert.ToHexStringLower(Mac(secret, payload));

    private static string? CheckTimestamped(HookOptions hook, IHeaderDictionary headers, byte[] body, DateTimeOffset now)
    {
        string? stamp = headers[hook.TimestampHeader];
        if (Stale(stamp, hook.TimestampHeader, hook.Tolerance, now) is { } stale)
        {
            return stale;
        }

        byte[] signed = [.. Encoding.ASCII.GetBytes(stamp + "."), .. body];
        return CheckHex(hook.Secret, headers[hook.SignatureHeader], signed, hook.SignatureHeader);
    }

    private static string? CheckHex(string secret, string? header, byte[] payload, string headerName)
    {
        if (string.IsNullOrEmpty(header))
        {
            return $"The {headerName} header is missing: deliveries must be signed.";
        }

        string hex = header.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) ? header[7..] : header;
        byte[] offered;
        try
        {
            offered = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return $"The {headerName} header is not sha256=<hex>.";
        }

        byte[] expected = Mac(secret, payload);
        return CryptographicOperations.FixedTimeEquals(expected, offered) ? null : $"The {headerName} signature does not match the body.";
    }
}
