using System.Net;

namespace Conveyor.Server.Security;

/// <summary>
/// Secure by default: without API keys the server may listen only on loopback addresses. Checked before the server
/// starts (for the addresses in configuration) and again once it listens (for addresses set in code).
/// </summary>
internal static class BindCheck
{
    public static void Verify(IEnumerable<string> urls, bool hasKeys)
    {
        if (hasKeys)
        {
            return;
        }

        foreach (string url in urls)
        {
            if (!IsLoopback(url))
            {
                throw new InvalidOperationException(
                    $"Refusing to listen on {url} without an API key: anyone who can reach it could read and change every queue. " +
                    "Set Conveyor:Server:ApiKeys (for example the environment variable Conveyor__Server__ApiKeys__0=<a long random key>), " +
                    "or listen on 127.0.0.1 only.");
            }
        }
    }

    public static bool IsLoopback(string url)
    {
        // Kestrel's wildcards: http://*:5080, http://+:5080, and http://0.0.0.0 or [::] all mean every interface.
        if (!Uri.TryCreate(url.Replace("://*", "://any-host", StringComparison.Ordinal).Replace("://+", "://any-host", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (uri.Host == "localhost")
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
