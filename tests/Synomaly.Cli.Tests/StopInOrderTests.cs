using Synomaly.Cli.Local;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A local run's stop (worker, trigger host, Azurite) goes on past a step that fails: before, a worker whose stop threw
/// left the trigger host and Azurite running for nobody.
/// </summary>
public sealed class StopInOrderTests
{
    [Fact]
    public async Task Every_step_runs_in_order_after_one_fails_and_the_first_failure_is_rethrown()
    {
        var ran = new List<string>();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => StopInOrder.RunAsync(
            () => { ran.Add("worker"); throw new InvalidOperationException("kill could not start"); },
            () => { ran.Add("trigger host"); throw new IOException("second"); },
            () => { ran.Add("azurite"); return ValueTask.CompletedTask; }));

        Assert.Equal(["worker", "trigger host", "azurite"], ran);
        Assert.Equal("kill could not start", failure.Message);
    }

    [Fact]
    public async Task Steps_that_all_succeed_end_without_an_error()
    {
        var ran = 0;

        await StopInOrder.RunAsync(() => { ran++; return ValueTask.CompletedTask; }, () => { ran++; return ValueTask.CompletedTask; });

        Assert.Equal(2, ran);
    }
}
