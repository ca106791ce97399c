using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Hosting;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Tests.Support;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The receive loops and graceful shutdown of the hosted service.</summary>
public sealed class ScanJobPumpTests
{
    private static DeviceHealth Device() => new(maxConsecutiveFailures: 3, NullLogger<DeviceHealth>.Instance);

    /// <summary>How long a test waits in real time for what will come: a guard against a hang, not a speed target.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Polls until the source holds a settlement, for a minute at most: a guard against a hang, not a speed target. The job
    /// goes through the pump's pause, a receive and the real handler, which a loaded 2-core machine can stretch past the
    /// 10 s that 500 polls of 20 ms gave.
    /// </summary>
    private static async Task WaitForSettlementAsync(InMemoryScanJobSource source, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (source.Settlements.Count == 0 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    [Fact]
    public async Task No_message_is_taken_while_the_device_counts_as_broken_and_receiving_resumes_once_a_batch_succeeds()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var device = Device();
        for (var i = 0; i < 3; i++)
        {
            device.RecordFailure(TorchSharpErrors.DeviceAssert());
        }

        // The pump's pauses run on a clock only the test moves: once every receive loop has set its pause timer, each has
        // looked at the device and held back, however long the machine took to run them.
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var pump = new ScanJobPump(source, harness.Handler, harness.Host, device, MsOptions.Create(harness.Options), clock, NullLogger<ScanJobPump>.Instance);
        var cancellationToken = TestContext.Current.CancellationToken;
        var job = harness.AddJob("pump-broken-device", FakeScanCodec.Scan(1, 0.1f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);

        await pump.StartAsync(cancellationToken);
        await clock.WaitForTimersAsync(harness.Options.MaxConcurrentJobs).WaitAsync(Wait, cancellationToken);
        var pendingWhileBroken = source.PendingCount;
        device.RecordSuccess();
        clock.AdvanceTo(await clock.NextDueAsync());
        await WaitForSettlementAsync(source, cancellationToken);

        await pump.StopAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Assert.Equal(1, pendingWhileBroken);
        Assert.Equal((job.MessageId, SettlementKind.Completed), Assert.Single(source.Settlements.Select(s => (s.MessageId, s.Kind))));
    }

    [Fact]
    public async Task A_broken_device_with_nothing_to_restart_it_takes_messages_again_after_the_probe_interval()
    {
        // A local worker or the demo has no orchestrator acting on /healthz: without the probe the job below would sit
        // Queued for ever behind a device that counted as broken.
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var device = new DeviceHealth(maxConsecutiveFailures: 3, NullLogger<DeviceHealth>.Instance, clock);
        for (var i = 0; i < 3; i++)
        {
            device.RecordFailure(TorchSharpErrors.DeviceAssert());
        }

        // The device's clock is the pump's too: once every receive loop has set its pause timer, each has looked at the
        // device and held back, however long the machine took to run them; the probe interval then fires their pauses.
        using var pump = new ScanJobPump(source, harness.Handler, harness.Host, device, MsOptions.Create(harness.Options), clock, NullLogger<ScanJobPump>.Instance);
        var cancellationToken = TestContext.Current.CancellationToken;
        var job = harness.AddJob("pump-probe-device", FakeScanCodec.Scan(1, 0.1f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);

        await pump.StartAsync(cancellationToken);
        await clock.WaitForTimersAsync(harness.Options.MaxConcurrentJobs).WaitAsync(Wait, cancellationToken);
        var pendingWhileHeld = source.PendingCount;
        clock.AdvanceTo(clock.GetUtcNow() + DeviceHealth.ProbeAfter);
        await WaitForSettlementAsync(source, cancellationToken);

        await pump.StopAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Assert.Equal(1, pendingWhileHeld);
        Assert.Equal((job.MessageId, SettlementKind.Completed), Assert.Single(source.Settlements.Select(s => (s.MessageId, s.Kind))));
    }

    [Fact]
    public void A_broken_device_holds_receiving_for_the_probe_interval_after_each_failure_but_stays_unlive()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var device = new DeviceHealth(maxConsecutiveFailures: 2, NullLogger<DeviceHealth>.Instance, clock);
        device.RecordFailure(TorchSharpErrors.DeviceAssert());
        Assert.False(device.HoldsReceiving);
        device.RecordFailure(TorchSharpErrors.DeviceAssert());
        Assert.True(device.HoldsReceiving);

        clock.AdvanceTo(clock.GetUtcNow() + DeviceHealth.ProbeAfter - TimeSpan.FromSeconds(1));
        Assert.True(device.HoldsReceiving);
        clock.AdvanceTo(clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.False(device.HoldsReceiving);
        Assert.True(device.IsBroken);

        device.RecordFailure(TorchSharpErrors.DeviceAssert());
        Assert.True(device.HoldsReceiving);
    }

    [Fact]
    public async Task Jobs_are_received_and_completed_until_stop_and_a_job_still_running_at_the_deadline_is_abandoned()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        harness.Options.ShutdownDeadlineSeconds = 1;
        harness.Options.MaxConcurrentJobs = 2;
        using var pump = new ScanJobPump(source, harness.Handler, harness.Host, Device(), MsOptions.Create(harness.Options), TimeProvider.System, NullLogger<ScanJobPump>.Instance);
        var cancellationToken = TestContext.Current.CancellationToken;
        var quick = harness.AddJob("pump-quick", FakeScanCodec.Scan(1, 0.1f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(quick)), quick.MessageId);

        await pump.StartAsync(cancellationToken);
        await WaitForSettlementAsync(source, cancellationToken);
        Assert.NotEmpty(source.Settlements);

        harness.Model.Reset();
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = harness.AddJob("pump-slow", FakeScanCodec.Scan(1, 0.2f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(slow)), slow.MessageId);
        await harness.Model.Started.Task.WaitAsync(Wait, cancellationToken);
        var stopping = TimeProvider.System.GetTimestamp();
        await pump.StopAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        // Stop waits for the 1 s deadline (lower bound) and then does not hang (upper bound); the upper bound leaves room
        // for a loaded 2-core CI machine, where a tighter one failed without any bug.
        Assert.InRange(TimeProvider.System.GetElapsedTime(stopping), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(30));
        Assert.Equal(
            [(quick.MessageId, SettlementKind.Completed), (slow.MessageId, SettlementKind.Abandoned)],
            source.Settlements.Select(s => (s.MessageId, s.Kind)));
        Assert.Equal(JobState.Succeeded, harness.Record(quick)!.State);
        Assert.Equal(JobState.Queued, harness.Record(slow)!.State);
        Assert.Equal(1, source.PendingCount);
    }

    [Fact]
    public async Task A_job_still_running_when_the_pump_is_disposed_before_its_deadline_is_interrupted_and_abandoned()
    {
        // The host gave up waiting (its stop token cancelled) and disposes the pump while a job still runs and its deadline
        // is far off: disposing the deadline without cancelling it dropped its timer, and the job waited for ever.
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        harness.Options.ShutdownDeadlineSeconds = 3600;
        var pump = new ScanJobPump(source, harness.Handler, harness.Host, Device(), MsOptions.Create(harness.Options), TimeProvider.System, NullLogger<ScanJobPump>.Instance);
        var cancellationToken = TestContext.Current.CancellationToken;
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = harness.AddJob("pump-disposed", FakeScanCodec.Scan(1, 0.2f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(slow)), slow.MessageId);
        await pump.StartAsync(cancellationToken);
        await harness.Model.Started.Task.WaitAsync(Wait, cancellationToken);
        using var hostGaveUp = new CancellationTokenSource();
        await hostGaveUp.CancelAsync();
        await pump.StopAsync(hostGaveUp.Token).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

        pump.Dispose();

        await pump.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Assert.Equal([(slow.MessageId, SettlementKind.Abandoned)], source.Settlements.Select(s => (s.MessageId, s.Kind)));
        Assert.Equal((JobState.Queued, "Interrupted"), (harness.Record(slow)!.State, harness.Record(slow)!.ErrorCode));
        harness.Model.Hold.TrySetResult();
    }

    [Fact]
    public async Task A_pump_disposed_before_it_is_stopped_stops_without_throwing()
    {
        // The order a minimal-hosting app can meet under WebApplicationFactory: the factory stops the host while the app's
        // own Run, woken by that stop, disposes it (once an ObjectDisposedException in HealthEndpointTests).
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var pump = new ScanJobPump(source, harness.Handler, harness.Host, Device(), MsOptions.Create(harness.Options), TimeProvider.System, NullLogger<ScanJobPump>.Instance);
        var cancellationToken = TestContext.Current.CancellationToken;
        await pump.StartAsync(cancellationToken);

        pump.Dispose();

        await pump.StopAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Assert.True(pump.ExecuteTask!.IsCompleted);
    }
}
