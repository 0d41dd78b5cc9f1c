using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Checks <see cref="ConveyorOptions"/> at start-up; each failure names the setting, its range and its value.</summary>
internal sealed class ConveyorOptionsValidator : IValidateOptions<ConveyorOptions>
{
    public ValidateOptionsResult Validate(string? name, ConveyorOptions o)
    {
        var errors = new List<string>();
        Check(o.Lease >= TimeSpan.FromMilliseconds(200) && o.Lease <= TimeSpan.FromHours(1), "Lease", "200 ms to 1 h", o.Lease);
        Check(o.Attempts is >= 1 and <= 1000, "Attempts", "1 to 1000", o.Attempts);
        Check(o.MaxStalls is >= 0 and <= 1000, "MaxStalls", "0 to 1000", o.MaxStalls);
        Check(o.Prefetch is null or (>= 0 and <= 1000), "Prefetch", "0 to 1000", o.Prefetch);
        Check(o.MaxPayloadBytes is >= 1024 and <= 512 * 1024 * 1024, "MaxPayloadBytes", "1 KiB to 512 MiB", o.MaxPayloadBytes);
        Check(o.MaxLogLines is >= 1 and <= 10_000, "MaxLogLines", "1 to 10000", o.MaxLogLines);
        Check(o.RecoveryInterval >= TimeSpan.FromMilliseconds(50), "RecoveryInterval", "50 ms or more", o.RecoveryInterval);
        Check(o.SweepInterval >= TimeSpan.FromMilliseconds(50), "SweepInterval", "50 ms or more", o.SweepInterval);
        Check(o.HeartbeatInterval >= TimeSpan.FromMilliseconds(50), "HeartbeatInterval", "50 ms or more", o.HeartbeatInterval);
        Check(o.IdleFetchInterval >= TimeSpan.FromMilliseconds(50), "IdleFetchInterval", "50 ms or more", o.IdleFetchInterval);
        Check(o.RedisCallTimeout >= TimeSpan.FromMilliseconds(100), "RedisCallTimeout", "100 ms or more", o.RedisCallTimeout);
        Check(o.ShutdownTimeout >= TimeSpan.Zero, "ShutdownTimeout", "0 or more", o.ShutdownTimeout);
        Check(o.AbandonGrace >= TimeSpan.Zero, "AbandonGrace", "0 or more", o.AbandonGrace);
        Check(!string.IsNullOrWhiteSpace(o.KeyPrefix) && !o.KeyPrefix.Contains('{') && !o.KeyPrefix.Contains('}'), "KeyPrefix", "a non-empty string without { or }", o.KeyPrefix);
        foreach (var (label, retention) in new[] { ("KeepCompleted", o.KeepCompleted), ("KeepDead", o.KeepDead), ("KeepCancelled", o.KeepCancelled) })
        {
            Check(retention.Age >= TimeSpan.Zero && retention.Count >= 0, label, "an age and a count of 0 or more", retention);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Check(bool ok, string setting, string range, object? value)
        {
            if (!ok)
            {
                errors.Add($"Conveyor:{setting} must be {range}; it was {value ?? "null"}.");
            }
        }
    }
}
