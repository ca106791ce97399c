using Synomaly.Contracts;
using Synomaly.GpuWorker.Options;

namespace Synomaly.GpuWorker.Tests;

public sealed class WorkerOptionsValidatorTests
{
    [Fact]
    public void The_documented_defaults_are_valid()
    {
        Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions()).Succeeded);
    }

    [Theory]
    [InlineData("gpu", "Worker__Device")]
    [InlineData("cuda:x", "Worker__Device")]
    public void A_bad_device_names_the_setting(string device, string expected)
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { Device = device });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("CUDA:0")]
    public void A_blank_device_is_auto_and_any_case_is_accepted_as_the_cli_accepts_them(string device)
    {
        // One rule with the CLI's --device (TorchDevice.IsValidSetting): Worker__Device= left empty means auto.
        Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions { Device = device }).Succeeded);
    }

    [Fact]
    public void An_unknown_dicom_transcoder_mode_names_the_setting()
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { DicomTranscoder = (DicomTranscoderMode)7 });
        Assert.True(result.Failed);
        Assert.Contains("Worker__DicomTranscoder", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_out_of_range_number_is_reported_at_once()
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { MaxBatchSize = 0, MaxDeliveryCount = 0, ShutdownDeadlineSeconds = 0, QueueName = " " });
        Assert.True(result.Failed);
        Assert.Contains("Worker__MaxBatchSize", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Worker__MaxDeliveryCount", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Worker__ShutdownDeadlineSeconds", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Worker__QueueName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shutdown_deadline_bound_is_the_one_the_cli_checks_an_override_against()
    {
        // The CLI's local pipeline refuses an override past HostShutdown.MaxWorkerShutdownDeadlineSeconds before it starts
        // anything; the worker states its own bound literally (its message is read by the infra tests).
        int max = HostShutdown.MaxWorkerShutdownDeadlineSeconds;
        Assert.True(new WorkerOptionsValidator().Validate(null, new WorkerOptions { ShutdownDeadlineSeconds = max }).Succeeded);
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { ShutdownDeadlineSeconds = max + 1 });
        Assert.True(result.Failed);
        Assert.Contains($"Worker__ShutdownDeadlineSeconds must be between 1 and {max} ", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void A_consecutive_batch_failure_bound_out_of_range_names_the_setting(int bound)
    {
        var result = new WorkerOptionsValidator().Validate(null, new WorkerOptions { MaxConsecutiveBatchFailures = bound });
        Assert.True(result.Failed);
        Assert.Contains("Worker__MaxConsecutiveBatchFailures", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_name_and_version_are_required_and_a_directory_source_needs_a_folder()
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { Source = ModelSource.Directory });
        Assert.True(result.Failed);
        Assert.Contains("Model__Name", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Model__Version", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Model__Directory", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ModelOptionsValidator().Validate(null, new ModelOptions { Name = "brain", Version = "1.0.0" }).Succeeded);
    }

    [Theory]
    [InlineData("1.0 beta")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("v1/2")]
    [InlineData("1.0\\2")]
    [InlineData("1.0+build")]
    public void A_model_version_intake_would_refuse_stops_the_worker_at_start_with_the_setting_named(string version)
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { Name = "brain", Version = version });

        Assert.True(result.Failed);
        Assert.Contains("Model__Version", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(BlobLayout.ModelVersionRule, result.FailureMessage, StringComparison.Ordinal);
        Assert.False(BlobLayout.IsValidModelVersion(version));
    }
}
