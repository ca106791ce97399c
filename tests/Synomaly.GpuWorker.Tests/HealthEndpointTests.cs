using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.GpuWorker.Hosting;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Reading;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The composed host: probes, what they log, readiness on model load, and start-up validation of the settings.</summary>
public sealed class HealthEndpointTests
{
    /// <summary>
    /// Asks every 50 ms until <paramref name="done"/> says so, for a minute at most: a guard against a hang, not a speed
    /// target. The composed worker loads the model and starts the pump on its own threads, which a loaded 2-core machine
    /// can delay past the 5 to 10 s that a count of 100 or 200 polls gave.
    /// </summary>
    private static async Task PollAsync(Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(50, cancellationToken);
            if (await done())
            {
                return;
            }
        }
    }

    private static WebApplicationFactory<Program> Worker(IModelLoader loader, params (string Key, string Value)[] overrides) =>
        Worker(loader, _ => { }, overrides);

    private static WebApplicationFactory<Program> Worker(IModelLoader loader, Action<IServiceCollection> configureServices, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Worker:Transport"] = "InMemory",
            ["ScansStorage"] = "UseDevelopmentStorage=true",
            ["Model:Source"] = "Directory",
            ["Model:Directory"] = Path.GetTempPath(),
            ["Model:Name"] = "test-model",
            ["Model:Version"] = "1.0.0",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureTestServices(services =>
            {
                services.AddSingleton(loader);
                services.AddSingleton<IScanCodec, FakeScanCodec>();
                configureServices(services);
            });
        });
    }

    [Fact]
    public async Task Liveness_answers_ok_and_readiness_turns_ok_once_the_model_is_loaded()
    {
        var gate = new TaskCompletionSource<ISliceInference>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var factory = Worker(new GatedModelLoader(gate.Task));
        using var client = factory.CreateClient();
        var cancellationToken = TestContext.Current.CancellationToken;

        using (var live = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var loading = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        }

        gate.SetResult(new FakeSliceInference());
        var ready = HttpStatusCode.ServiceUnavailable;
        await PollAsync(async () =>
        {
            using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
            ready = response.StatusCode;
            return ready == HttpStatusCode.OK;
        }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, ready);
    }

    [Fact]
    public async Task Liveness_fails_once_the_model_load_has_failed_so_the_platform_restarts_the_replica()
    {
        var gate = new TaskCompletionSource<ISliceInference>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var factory = Worker(new GatedModelLoader(gate.Task));
        using var client = factory.CreateClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        using (var loading = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, loading.StatusCode); // a load still running is alive
        }

        gate.SetException(new InvalidDataException("The model package is corrupt."));
        var live = HttpStatusCode.OK;
        await PollAsync(async () =>
        {
            using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
            live = response.StatusCode;
            return live != HttpStatusCode.OK;
        }, cancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, live);
        using var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task Liveness_fails_once_the_device_has_failed_the_configured_number_of_batches_in_a_row()
    {
        await using var factory = Worker(new GatedModelLoader(Task.FromResult<ISliceInference>(new FakeSliceInference())), ("Worker:MaxConsecutiveBatchFailures", "2"));
        using var client = factory.CreateClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        var device = factory.Services.GetRequiredService<DeviceHealth>();
        var fault = TorchSharpErrors.DeviceAssert();

        device.RecordFailure(fault);
        using var afterOne = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
        device.RecordFailure(fault);
        using var afterTwo = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);

        Assert.Equal(HttpStatusCode.OK, afterOne.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, afterTwo.StatusCode);
    }

    [Fact]
    public async Task Probes_log_nothing_while_the_workers_own_information_lines_are_kept()
    {
        var lines = new LineRecordingLoggerProvider();
        var gate = new TaskCompletionSource<ISliceInference>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var factory = Worker(new GatedModelLoader(gate.Task), services => services.AddSingleton<ILoggerProvider>(lines));
        using var client = factory.CreateClient();
        var cancellationToken = TestContext.Current.CancellationToken;

        // While the model loads: /readyz answers 503, which the health check service would log as an Error each time.
        for (var i = 0; i < 3; i++)
        {
            using var live = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
            using var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        gate.SetResult(new FakeSliceInference());
        await PollAsync(() => Task.FromResult(lines.Lines.Any(l => l.Category == typeof(ScanJobPump).FullName)), cancellationToken);

        Assert.DoesNotContain(lines.Lines, l => l.Category.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal) && l.Level < LogLevel.Warning);
        Assert.DoesNotContain(lines.Lines, l => l.Category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks.", StringComparison.Ordinal));
        Assert.Contains(lines.Lines, l => l.Category == typeof(InferenceHost).FullName && l.Level == LogLevel.Information);
        Assert.Contains(lines.Lines, l => l.Category == typeof(ScanJobPump).FullName && l.Level == LogLevel.Information);
    }

    [Fact]
    public void A_bad_setting_stops_the_worker_at_start_with_the_setting_name()
    {
        using var factory = Worker(new GatedModelLoader(new TaskCompletionSource<ISliceInference>().Task), ("Worker:MaxBatchSize", "0"));

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Worker__MaxBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Off")]
    [InlineData("Auto")]
    public async Task The_composed_host_reads_scans_with_the_dicom_transcoder_its_setting_chooses(string setting)
    {
        await using var factory = Worker(new GatedModelLoader(new TaskCompletionSource<ISliceInference>().Task), ("Worker:DicomTranscoder", setting));

        var readOptions = factory.Services.GetRequiredService<ScanReadOptions>();

        // Auto finds gdcm or dcmtk where they are installed (the DICOM_TOOLS=true image) and nothing where they are not.
        Assert.Equal(setting == "Auto" ? DicomToolTranscoder.Detect()?.Name : null, readOptions.DicomTranscoder?.Name);
        Assert.Equal(ScanReadLimits.Default, readOptions.Limits);
    }

    private sealed class GatedModelLoader(Task<ISliceInference> model) : IModelLoader
    {
        public Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default) => model.WaitAsync(cancellationToken);
    }
}
