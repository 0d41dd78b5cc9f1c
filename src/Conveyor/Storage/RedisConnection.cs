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
        var options = ConfigurationOptions.Parse(configuration);
        // Keep retrying in the background rather than failing the process: workers must survive a Redis restart.
        options.AbortOnConnectFail = false;
        options.ClientName ??= "conveyor";
        return options;
    }
}
