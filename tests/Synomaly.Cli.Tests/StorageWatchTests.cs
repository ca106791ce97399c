using System.Diagnostics;
using Synomaly.Cli.Local;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Start-up's storage calls watched against Azurite's death: a call on a dead Azurite waited out the Azure SDK's retries
/// (about 40 s) before the user was told it had stopped. The watch cancels the calls once Azurite is found gone.
/// </summary>
public sealed class StorageWatchTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task Calls_still_waiting_when_azurite_is_found_gone_are_cancelled_and_the_stop_is_told_at_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        int asked = 0;
        bool callsCancelled = false;
        var clock = Stopwatch.StartNew();

        // The calls as the SDK makes them on a dead emulator: they would wait out their retries (here, forever).
        var stopped = await Assert.ThrowsAsync<InvalidOperationException>(() => StorageWatch.RunAsync(
            async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    callsCancelled = true;
                    throw;
                }
            },
            () => Task.FromResult(++asked < 3),
            Interval,
            cancellationToken));

        Assert.Contains("Azurite stopped", stopped.Message, StringComparison.Ordinal);
        Assert.True(callsCancelled, "the calls were left running");
        Assert.Equal(3, asked);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"told after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Calls_that_end_while_azurite_runs_end_as_they_would_unwatched()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        bool done = false;

        await StorageWatch.RunAsync(async token => { await Task.Delay(100, token); done = true; }, () => Task.FromResult(true), Interval, cancellationToken);
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => StorageWatch.RunAsync(
            async token => { await Task.Delay(100, token); throw new TimeoutException("the calls' own failure"); }, () => Task.FromResult(true), Interval, cancellationToken));

        Assert.True(done);
        Assert.Equal("the calls' own failure", failure.Message);
    }

    [Fact]
    public async Task When_the_question_cannot_be_asked_the_calls_end_on_their_own()
    {
        var cancellationToken = TestContext.Current.CancellationToken;

        // scripts/azurite.sh status could not run: nothing is known about Azurite, so it is not told as stopped.
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => StorageWatch.RunAsync(
            async token => { await Task.Delay(200, token); throw new TimeoutException("the calls' own failure"); },
            () => throw new InvalidOperationException("scripts/azurite.sh status failed (exit 127)"),
            Interval,
            cancellationToken));

        Assert.Equal("the calls' own failure", failure.Message);
    }

    [Fact]
    public async Task A_cancelled_start_up_is_cancelled_not_told_as_a_stopped_emulator()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => StorageWatch.RunAsync(
            token => Task.Delay(Timeout.Infinite, token), () => Task.FromResult(true), Interval, cancel.Token));
    }
}
