using System.Runtime.ExceptionServices;
using Microsoft.Azure.WebJobs.Host.Timers;
using Microsoft.Extensions.DependencyInjection;
using Synomaly.Testing;

namespace Synomaly.DevHost.Tests;

/// <summary>
/// How DevHostRunner paces its restarts when a fault persists: the local pipeline's trigger host then restarts for as
/// long as the demo runs, and each restart provisions storage and starts every listener again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DevHostRestartBackoffTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_host_that_faults_as_soon_as_it_starts_is_restarted_after_growing_pauses_not_every_second()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // A storage account of its own: this host's blob trigger must not take the uploads of the other tests' hosts.
        var settings = new Dictionary<string, string?>
        {
            ["ScansStorage"] = azurite.PrivateAccountConnectionString(),
            ["Intake:ModelName"] = "brain-mri-demo",
            ["Intake:ModelVersion"] = "v1",
        };
        var clock = new LeapingClock(DateTimeOffset.UnixEpoch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int starts = 0;

        await DevHostRunner.RunAsync(settings, stop.Token, host =>
        {
            if (++starts == 5)
            {
                stop.Cancel();
                return;
            }

            // A fault that persists (say a lease storage keeps refusing): every host reports it as soon as it runs.
            var fault = new InvalidOperationException("the same fault again");
            _ = host.Services.GetRequiredService<IWebJobsExceptionHandler>().OnUnhandledExceptionAsync(ExceptionDispatchInfo.Capture(fault));
        }, clock).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);

        Assert.Equal([1.0, 2.0, 4.0, 8.0], clock.Waits.Select(wait => wait.TotalSeconds));
    }
}
