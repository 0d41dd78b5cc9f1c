using StackExchange.Redis;

namespace Conveyor.Storage;

/// <summary>Opens connections with settings suited to a job queue.</summary>
internal static class RedisConnection
{
    public static async Task<IConnectionMultiplexer> ConnectAsync(string configuration)
    {
        var options = Configure(configuration);
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            throw new RedisUnavailableException(
                $"Cannot reach Redis at '{configuration}' ({e.Message}). Start redis-server there, or pass the address of a running one.", e);
        }
    }

    public static ConfigurationOptions Configure(string configuration)
    {
        var options = ConfigurationOptions.Parse(FromUrl(configuration));
        // Keep retrying in the background rather than failing the process: workers must survive a Redis restart.
        options.AbortOnConnectFail = false;
        options.ClientName ??= "conveyor";
        // INFO (Redis version and memory, for the server, the CLI and the dashboard) is an "admin" command to
        // StackExchange.Redis; Conveyor itself never sends the destructive ones.
        if (!configuration.Contains("allowAdmin", StringComparison.OrdinalIgnoreCase))
        {
            options.AllowAdmin = true;
        }
        return options;
    }

    /// <summary>
    /// Accepts <c>redis://[user:password@]host:port[/db]</c> and <c>rediss://</c> (TLS) URLs, as Redis's own tools and
    /// most hosting providers write them, besides StackExchange.Redis's <c>host:port,option=value</c> form.
    /// </summary>
    public static string FromUrl(string configuration)
    {
        if (!configuration.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) &&
            !configuration.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return configuration;
        }

        if (!Uri.TryCreate(configuration, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new InvalidJobException($"'{configuration}' is not a valid Redis URL; write it as redis://host:port (or redis://user:password@host:port/db).");
        }

        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}" };
        if (uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase))
        {
            parts.Add("ssl=true");
        }

        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            if (user.Length == 2)
            {
                if (user[0].Length > 0)
                {
                    parts.Add("user=" + Uri.UnescapeDataString(user[0]));
                }

                parts.Add("password=" + Uri.UnescapeDataString(user[1]));
            }
            else
            {
                parts.Add("password=" + Uri.UnescapeDataString(user[0]));
            }
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db)
        {
            parts.Add("defaultDatabase=" + db);
        }

        return string.Join(',', parts);
    }
}
