using System.Security.Cryptography;

namespace Conveyor;

/// <summary>
/// Generates job ids that sort by creation time: 10 characters of milliseconds since the Unix epoch and
/// 10 of a per-process random start plus a counter, in Crockford base 32 (20 characters, ULID-like).
/// </summary>
internal static class JobId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static long _counter = RandomNumberGenerator.GetInt32(int.MaxValue) * 256L;

    public static string New(TimeProvider time)
    {
        long ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        long tail = Interlocked.Increment(ref _counter) & ((1L << 50) - 1);
        return string.Create(20, (ms, tail), static (span, s) =>
        {
            for (int i = 9; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(s.ms & 31)];
                s.ms >>= 5;
            }

            for (int i = 19; i >= 10; i--)
            {
                span[i] = Alphabet[(int)(s.tail & 31)];
                s.tail >>= 5;
            }
        });
    }
}
