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
        _ => "This hook's signature scheme is not supported.",
    };

    /// <summary>The <c>sha256=HEX</c> signature of <paramref name="payload"/>, as a provider would send it.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> payload) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));

    private static string? CheckTimestamped(HookOptions hook, IHeaderDictionary headers, byte[] body, DateTimeOffset now)
    {
        string? stamp = headers[hook.TimestampHeader];
        if (stamp is null || !long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return $"The {hook.TimestampHeader} header is missing or not a Unix time in seconds.";
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age.Duration() > hook.Tolerance)
        {
            return $"The delivery's timestamp is {Math.Abs(age.TotalSeconds):0} s from now, outside the {hook.Tolerance.TotalSeconds:0} s tolerance: refused as a possible replay.";
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

        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
        return CryptographicOperations.FixedTimeEquals(expected, offered) ? null : $"The {headerName} signature does not match the body.";
    }
}
