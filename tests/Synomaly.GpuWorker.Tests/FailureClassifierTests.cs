using Azure;
using Azure.Messaging.ServiceBus;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.Imaging;

namespace Synomaly.GpuWorker.Tests;

public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public void Storage_timeouts_throttling_and_server_errors_are_transient(int status)
    {
        var verdict = FailureClassifier.Classify(new RequestFailedException(status, "x"));
        Assert.Equal(FailureKind.Transient, verdict.Kind);
        Assert.Equal(FailureClassifier.StorageUnavailable, verdict.Reason);
    }

    [Fact]
    public void A_storage_client_error_is_not_retried_in_process()
    {
        Assert.Equal(FailureKind.Unexpected, FailureClassifier.Classify(new RequestFailedException(403, "denied")).Kind);
    }

    [Fact]
    public void Rejected_scans_and_invalid_messages_are_permanent_with_their_typed_reason()
    {
        var rejected = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.UnsupportedTransferSyntax, "JPEG 2000 (1.2.840.10008.1.2.4.90) is not supported."));
        Assert.Equal((FailureKind.Permanent, "UnsupportedTransferSyntax"), (rejected.Kind, rejected.Reason));
        Assert.Contains("1.2.840.10008.1.2.4.90", rejected.Description, StringComparison.Ordinal);
        Assert.Equal((FailureKind.Permanent, FailureClassifier.InvalidScanJob), (FailureClassifier.Classify(new InvalidScanJobException("bad")).Kind, FailureClassifier.Classify(new InvalidScanJobException("bad")).Reason));
        Assert.Equal(JobRejectedException.SourceChanged, FailureClassifier.Classify(new JobRejectedException(JobRejectedException.SourceChanged, "etag")).Reason);
    }

    [Fact]
    public void Service_bus_transient_errors_and_timeouts_are_transient()
    {
        Assert.Equal(FailureKind.Transient, FailureClassifier.Classify(new ServiceBusException(isTransient: true, "busy")).Kind);
        Assert.Equal(FailureKind.Transient, FailureClassifier.Classify(new TimeoutException()).Kind);
    }

    [Fact]
    public void Long_descriptions_are_cut_to_a_size_every_broker_accepts()
    {
        var verdict = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.Malformed, new string('x', 5000)));
        Assert.Equal(1024, verdict.Description.Length);
    }
}
