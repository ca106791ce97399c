using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Cli.Local;

/// <summary>
/// Follows the demo's jobs in the job table until each has ended, Succeeded or Failed, copying what its record says onto
/// its <see cref="DemoJob"/>: the state, the results folder and, for a Failed job, the error as "Code: message" (the form
/// <see cref="DemoVerdict"/> reads the code from). A Failed job is an outcome, not an error of the wait: whether it was
/// the one expected is the verdict's to say. The wait ends early when a host of the pipeline has exited, after
/// <c>timeout</c> with a <see cref="TimeoutException"/> counting the jobs still running, or when cancelled.
/// </summary>
/// <param name="lookUp">The job record of a scan id (for the pipeline's model version); null until intake has made one.</param>
/// <param name="throwIfAHostExited">Throws when a process of the pipeline has exited: no job would end then.</param>
/// <param name="time">The clock of the timeout and of the pauses between looks.</param>
public sealed class DemoJobWatch(Func<string, CancellationToken, Task<JobRecord?>> lookUp, Action throwIfAHostExited, TimeProvider time)
{
    /// <summary>How long the watch waits between two looks at the jobs still running.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Returns once every job has ended; <paramref name="onProgress"/> hears the count of ended jobs after each look.</summary>
    public async Task WaitAsync(IReadOnlyList<DemoJob> demoJobs, TimeSpan timeout, Action<int> onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(demoJobs);
        ArgumentNullException.ThrowIfNull(onProgress);
        long started = time.GetTimestamp();
        while (true)
        {
            throwIfAHostExited();
            foreach (var job in demoJobs.Where(j => !j.State.IsTerminal() || j.Seconds == 0))
            {
                var record = await lookUp(job.ScanId, cancellationToken);
                if (record is null)
                {
                    continue;
                }

                job.State = record.State;
                job.ResultPrefix = record.ResultPrefix;
                job.Error = record.ErrorCode is null ? null : $"{record.ErrorCode}: {record.ErrorMessage}";
                if (record.State.IsTerminal())
                {
                    job.Seconds = ((record.FinishedAt ?? time.GetUtcNow()) - record.CreatedAt).TotalSeconds;
                }
            }

            int done = demoJobs.Count(j => j.State.IsTerminal());
            onProgress(done);
            if (done == demoJobs.Count)
            {
                return;
            }

            if (time.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"{demoJobs.Count - done} of {demoJobs.Count} jobs did not finish within {timeout.TotalMinutes:F0} minutes; see the logs folder.");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }
}
