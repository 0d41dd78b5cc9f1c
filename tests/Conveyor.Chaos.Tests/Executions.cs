using Xunit.Sdk;

namespace Conveyor.Chaos.Tests;

/// <summary>
/// What the worker processes recorded, and the invariants every fault test ends with: every job reached the
/// expected state, none is lost, and every job that ran more than once had a lease expire (a stall) or a failed
/// attempt to explain it.
/// </summary>
public sealed class Executions(string log)
{
    public IReadOnlyList<(string What, string Id, int Attempt, int Pid)> Lines() =>
        File.Exists(log)
            ? File.ReadAllLines(log).Select(l => l.Split(' ')).Where(p => p.Length == 4)
                .Select(p => (p[0], p[1], int.Parse(p[2]), int.Parse(p[3]))).ToList()
            : [];

    public int Starts(string id) => Lines().Count(l => l.What == "start" && l.Id == id);

    /// <param name="released">Jobs a graceful shutdown handed back unfinished: one more run each is expected.</param>
    public async Task<Report> CheckAsync(JobQueue queue, IReadOnlyCollection<string> ids, JobState expected = JobState.Completed, IReadOnlyCollection<string>? released = null)
    {
        var lines = Lines();
        var starts = lines.Where(l => l.What == "start").GroupBy(l => l.Id).ToDictionary(g => g.Key, g => g.Count());
        int lost = 0, duplicates = 0;
        var problems = new List<string>();
        foreach (string id in ids)
        {
            var job = await queue.GetAsync(id);
            if (job is null || job.State != expected)
            {
                lost++;
                problems.Add($"{id} is {job?.State.Name() ?? "missing"}, expected {expected.Name()}");
                continue;
            }

            int ran = starts.GetValueOrDefault(id);
            if (ran > 1)
            {
                duplicates += ran - 1;
                int handedBack = released?.Contains(id) == true ? 1 : 0;
                // Attempts counts failures and stalls alike (a stall is an attempt too).
                if (ran - 1 > job.Attempts + handedBack)
                {
                    problems.Add($"{id} ran {ran} times with only {job.Attempts} failed or stalled attempts and {handedBack} hand-backs to explain it");
                }
            }
        }

        var counts = await queue.CountsAsync();
        if (counts.Waiting + counts.Active > 0)
        {
            problems.Add($"jobs left over: {counts}");
        }

        var report = new Report(ids.Count, lost, duplicates);
        if (problems.Count > 0)
        {
            throw new XunitException($"{report}: {string.Join("; ", problems.Take(10))}");
        }

        return report;
    }
}

public sealed record Report(int Jobs, int Lost, int Duplicates)
{
    public override string ToString() => $"jobs {Jobs}, lost {Lost}, ran twice {Duplicates}";
}
