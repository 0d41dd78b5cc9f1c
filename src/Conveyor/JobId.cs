using System.Security.Cryptography;

namespace Conveyor;

/// <summary>
/// Generates job ids that sort by creation time, like ULIDs: 10 characters of milliseconds since the Unix epoch, then
/// 16 of a random number drawn once per process (48 bits) and a per-process counter (32 bits), in Crockford base 32
/// (26 characters). Two processes share an id only if they drew the same 48 bits, so an id generated here is taken
/// as new without looking it up (see QueueStore.TryEnqueueGeneratedAsync); ids a caller chooses are always checked.
/// </summary>
internal static class JobId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly UInt128 Process = (UInt128)(BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) & ((1UL << 48) - 1)) << 32;
    private static int _counter;

    public static string New(TimeProvider time)
    {
        long ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        UInt128 tail = Process | (uint)Interlocked.Increment(ref _counter);
        return string.Create(26, (ms, tail), static (span, s) =>
        {
            for (int i = 9; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(s.ms & 31)];
                s.ms >>= 5;
            }

            for (int i = 25; i >= 10; i--)
            {
                span[i] = Alphabet[(int)(s.tail & 31)];
                s.tail >>= 5;
            }
        });
    }
}
