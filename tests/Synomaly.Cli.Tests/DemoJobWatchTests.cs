using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>How `synomaly demo` waits for its jobs (DemoRun.WaitAsync), against a scripted job table and a leaping clock.</summary>
public sealed class DemoJobWatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The records each scan id's look-ups return, one per look (the last repeated), and the looks made.</summary>
    private sealed class ScriptedJobTable(Dictionary<string, JobRecord?[]> script)
    {
        public List<string> Looks { get; } = [];

        public Task<JobRecord?> LookUpAsync(string scanId, CancellationToken cancellationToken)
        {
            var records = script[scanId];
            int look = Looks.Count(id => id == scanId);
            Looks.Add(scanId);
            return Task.FromResult(records[Math.Min(look, records.Length - 1)]);
        }
    }

    private static JobRecord Record(string scanId, JobState state, TimeSpan? took = null, string? errorCode = null, string? errorMessage = null, string? results = null) => new()
    {
        ScanId = scanId,
        ModelVersion = "1.0.0",
        State = state,
        CreatedAt = Start,
        FinishedAt = took is { } t ? Start + t : null,
        ErrorCode = errorCode,
        ErrorMessage = errorMessage,
        ResultPrefix = results,
    };

    private static DemoJobWatch Watch(ScriptedJobTable table, LeapingClock clock, Action? hostCheck = null) =>
        new(table.LookUpAsync, hostCheck ?? (() => { }), clock);

    [Fact]
    public async Task It_waits_until_every_job_has_ended_and_looks_up_only_the_jobs_still_running()
    {
        var table = new ScriptedJobTable(new()
        {
            // No record until intake has made one, then Processing, then Succeeded with its results.
            ["good"] = [null, Record("good", JobState.Processing), Record("good", JobState.Succeeded, TimeSpan.FromSeconds(4), results: "results/good/1.0.0/")],
            ["bad"] = [Record("bad", JobState.Failed, TimeSpan.FromSeconds(1), "Truncated", "DICOM file is truncated")],
        });
        var clock = new LeapingClock(Start);
        DemoJob good = new("good", "samples/good.png"), bad = new("bad", "samples/bad-truncated.dcm") { ExpectedFailure = true };
        var progress = new List<int>();

        await Watch(table, clock).WaitAsync([good, bad], TimeSpan.FromMinutes(20), progress.Add, TestContext.Current.CancellationToken);

        Assert.Equal((JobState.Succeeded, "results/good/1.0.0/", 4.0), (good.State, good.ResultPrefix, good.Seconds));
        Assert.Equal([1, 1, 2], progress);
        Assert.Equal(["good", "bad", "good", "good"], table.Looks); // bad ended at the first look and is not looked up again
        Assert.Equal(TimeSpan.FromSeconds(2), clock.Elapsed); // one pause between two looks, none after the last
    }

    [Fact]
    public async Task A_job_that_ends_Failed_ends_the_wait_as_an_outcome_with_its_error_code_and_message_for_the_verdict()
    {
        var table = new ScriptedJobTable(new()
        {
            ["scan"] = [Record("scan", JobState.Processing), Record("scan", JobState.Failed, TimeSpan.FromSeconds(3), "Malformed", "not a PNG")],
        });
        var job = new DemoJob("scan", "samples/colin27-healthy.png");

        await Watch(table, new LeapingClock(Start)).WaitAsync([job], TimeSpan.FromMinutes(20), _ => { }, TestContext.Current.CancellationToken);

        Assert.Equal((JobState.Failed, "Malformed: not a PNG", 3.0), (job.State, job.Error, job.Seconds));
        Assert.Equal("colin27-healthy.png ended Failed (Malformed: not a PNG); expected Succeeded", Assert.Single(DemoVerdict.Problems([job])));
    }

    [Fact]
    public async Task Jobs_still_running_at_the_timeout_stop_the_wait_counted_and_not_before()
    {
        var table = new ScriptedJobTable(new()
        {
            ["done"] = [Record("done", JobState.Succeeded, TimeSpan.FromSeconds(2))],
            ["stuck"] = [Record("stuck", JobState.Processing)],
        });
        var clock = new LeapingClock(Start);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Watch(table, clock).WaitAsync(
            [new DemoJob("done", "a.png"), new DemoJob("stuck", "b.png")], TimeSpan.FromMinutes(20), _ => { }, TestContext.Current.CancellationToken));

        Assert.Equal("1 of 2 jobs did not finish within 20 minutes; see the logs folder.", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(20) + DemoJobWatch.PollInterval);
    }

    [Fact]
    public async Task A_cancelled_wait_stops_at_its_next_pause_without_another_look()
    {
        using var cancellation = new CancellationTokenSource();
        var table = new ScriptedJobTable(new() { ["stuck"] = [Record("stuck", JobState.Queued)] });
        var looks = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DemoJobWatch(
            async (scanId, token) =>
            {
                looks++;
                await cancellation.CancelAsync(); // Ctrl-C while the first look is made
                return await table.LookUpAsync(scanId, token);
            },
            () => { },
            new LeapingClock(Start)).WaitAsync([new DemoJob("stuck", "a.png")], TimeSpan.FromMinutes(20), _ => { }, cancellation.Token));

        Assert.Equal(1, looks);
    }

    [Fact]
    public async Task A_host_that_exits_while_the_jobs_run_stops_the_wait_with_its_reason()
    {
        var table = new ScriptedJobTable(new() { ["scan"] = [Record("scan", JobState.Processing)] });
        int checks = 0;
        void HostCheck()
        {
            if (++checks == 3)
            {
                throw new InvalidOperationException("The GPU worker exited with code 139 while the jobs ran.");
            }
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Watch(table, new LeapingClock(Start), HostCheck).WaitAsync([new DemoJob("scan", "a.png")], TimeSpan.FromMinutes(20), _ => { }, TestContext.Current.CancellationToken));

        Assert.Equal("The GPU worker exited with code 139 while the jobs ran.", error.Message);
        Assert.Equal(2, table.Looks.Count);
    }
}
