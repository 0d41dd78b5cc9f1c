using StackExchange.Redis;

namespace Conveyor;

/// <summary>Redis could not be reached or did not answer in time. Nothing was half-written: scripts are atomic.</summary>
public sealed class RedisUnavailableException : ConveyorException
{
    public RedisUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    internal static RedisUnavailableException From(IConnectionMultiplexer redis, Exception e)
    {
        string where = string.Join(", ", redis.GetEndPoints().Select(p => p.ToString()));
        string what = e is RedisTimeoutException ? "it did not answer in time" : "the connection failed";
        return new RedisUnavailableException(
            $"Cannot reach Redis at {where} ({what}: {e.Message}). Check that redis-server is running and the " +
            "Redis setting points at it; the operation was not applied.", e);
    }
}
