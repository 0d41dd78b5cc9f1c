using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Conveyor.Storage;

/// <summary>
/// Runs catalog scripts by SHA (EVALSHA). When Redis answers NOSCRIPT — after a restart or a SCRIPT FLUSH —
/// it sends the body once with EVAL, which caches it again. Connection failures become
/// <see cref="RedisUnavailableException"/> with a sentence that says what to do.
/// </summary>
internal sealed class ScriptRunner(IConnectionMultiplexer redis)
{
    private readonly ConcurrentDictionary<(string Queue, string Script), RedisKey[]> _keys = new();

    public IDatabase Database { get; } = redis.GetDatabase();

    /// <summary>A new ARGV array for a script of queue <paramref name="q"/>: ARGV[1] and [2] are its channels.</summary>
    public static RedisValue[] Args(QueueKeys q, int extra)
    {
        var args = new RedisValue[2 + extra];
        args[0] = q.Signal.ToString();
        args[1] = q.Events.ToString();
        return args;
    }

    public Task<RedisResult> RunAsync(Script script, QueueKeys q, RedisValue[] args) =>
        RunAsync(script, KeysFor(script, q), args);

    private async Task<RedisResult> RunAsync(Script script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await Database.ScriptEvaluateAsync(script.Sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await WithClearErrors(() => Database.ScriptEvaluateAsync(script.Body, keys, args)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw RedisUnavailableException.From(redis, e);
        }
    }

    public async Task<T> WithClearErrors<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw RedisUnavailableException.From(redis, e);
        }
    }

    private RedisKey[] KeysFor(Script script, QueueKeys q) =>
        _keys.GetOrAdd((q.Queue, script.Name), _ => script.KeyNames.Select(q.Key).ToArray());
}
