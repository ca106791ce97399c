using System.Net.Sockets;
using Azure;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Identity.Client;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;

namespace Synomaly.GpuWorker.Tests;

public sealed class FailureClassifierTests
{
    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Storage_timeouts_throttling_and_server_errors_are_transient(int status)
    {
        var verdict = FailureClassifier.Classify(new RequestFailedException(status, "x"));
        Assert.Equal(FailureKind.Transient, verdict.Kind);
        Assert.Equal(FailureClassifier.StorageUnavailable, verdict.Reason);
    }

    [Theory]
    [InlineData(501)]
    [InlineData(505)]
    [InlineData(507)]
    public void A_storage_status_that_no_repetition_changes_is_not_retried_in_process_though_it_is_a_5xx(int status)
    {
        // The worker retried every 5xx as StorageUnavailable, where the API answers these 500: 501 and 505 refuse the
        // request itself, and no other 5xx is one storage answers, so the same request meets the same answer.
        var verdict = FailureClassifier.Classify(new RequestFailedException(status, "x"));

        Assert.Equal((FailureKind.Unexpected, FailureClassifier.Unexpected), (verdict.Kind, verdict.Reason));
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
    public void A_model_that_answers_NaN_is_retried_to_the_bound_under_its_own_reason_without_the_batch_positions()
    {
        var verdict = FailureClassifier.Classify(new Synomaly.Diffusion.Inference.NonFiniteOutputException([3, 5], 8));

        Assert.Equal((FailureKind.Unexpected, FailureClassifier.NonFiniteModelOutput), (verdict.Kind, verdict.Reason));
        Assert.StartsWith("The model gave NaN or infinite values for 2 of the scan's slices", verdict.Description, StringComparison.Ordinal);
        // Positions in the model call, not in the scan: they would mislead whoever reads the job's record.
        Assert.DoesNotContain("of 8", verdict.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Slices_the_engine_refuses_as_not_finite_are_the_scans_fault_and_not_retried()
    {
        var verdict = FailureClassifier.Classify(EngineErrors.NonFiniteInput([3, 5], 8));

        Assert.Equal((FailureKind.Permanent, FailureClassifier.NonFiniteInput), (verdict.Kind, verdict.Reason));
        Assert.StartsWith("2 of the scan's prepared slices hold NaN or infinite pixels", verdict.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("of 8", verdict.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_bus_transient_errors_and_timeouts_are_transient()
    {
        Assert.Equal(FailureKind.Transient, FailureClassifier.Classify(new ServiceBusException(isTransient: true, "busy")).Kind);
        Assert.Equal(FailureKind.Transient, FailureClassifier.Classify(new TimeoutException()).Kind);
    }

    [Fact]
    public void A_storage_request_that_got_no_response_is_a_transient_network_error()
    {
        // What Azure.Core throws when the connection fails: status 0, the HttpRequestException inside.
        var error = new RequestFailedException("Connection refused (127.0.0.1:10000)", new HttpRequestException("Connection refused (127.0.0.1:10000)", new SocketException((int)SocketError.ConnectionRefused)));

        var verdict = FailureClassifier.Classify(error);

        Assert.Equal(0, error.Status);
        Assert.Equal((FailureKind.Transient, FailureClassifier.NetworkError), (verdict.Kind, verdict.Reason));
        Assert.StartsWith("HttpRequestException: Connection refused", verdict.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_faults_inside_other_exceptions_are_transient_network_errors()
    {
        // Azure.Core's own retries, all failed; a socket fault wrapped by any other layer; a stream fault of a request.
        var retriesFailed = new AggregateException("Retry failed after 4 tries.", new RequestFailedException("No such host is known.", new HttpRequestException("No such host is known.")));
        var wrappedSocket = new InvalidOperationException("The read failed.", new SocketException((int)SocketError.ConnectionReset));
        var requestStream = new RequestFailedException("The response ended early.", new IOException("Unable to read data from the transport connection."));

        Exception[] errors = [retriesFailed, wrappedSocket, requestStream];

        Assert.All(
            errors,
            error => Assert.Equal((FailureKind.Transient, FailureClassifier.NetworkError), (FailureClassifier.Classify(error).Kind, FailureClassifier.Classify(error).Reason)));
    }

    [Fact]
    public void A_file_or_decoder_fault_wrapped_by_another_layer_is_no_network_error()
    {
        // A missing file names its path, and an IOException under a layer other than the transport's is no network fault.
        Exception[] errors =
        [
            new InvalidOperationException("Loading failed.", new FileNotFoundException("Could not find file '/data/scan.nii'.")),
            new AggregateException(new FileNotFoundException("Could not find file '/data/scan.nii'.")),
            new InvalidOperationException("Decoding failed.", new IOException("Unexpected end of the compressed data.")),
        ];

        Assert.All(errors, error => Assert.Equal(FailureClassifier.Unexpected, FailureClassifier.Classify(error).Reason));
    }

    [Fact]
    public void An_error_with_no_network_fault_inside_stays_unexpected()
    {
        var verdict = FailureClassifier.Classify(new InvalidOperationException("A bug.", new ArgumentException("bad argument")));

        Assert.Equal((FailureKind.Unexpected, FailureClassifier.Unexpected), (verdict.Kind, verdict.Reason));
    }

    [Fact]
    public void Long_descriptions_are_cut_to_a_size_every_broker_accepts()
    {
        var verdict = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.Malformed, new string('x', 5000)));
        Assert.Equal(1024, verdict.Description.Length);
    }

    [Fact]
    public void A_limit_the_worker_ran_into_is_transient_and_a_limit_the_file_declares_stays_permanent()
    {
#pragma warning disable CA2201 // Stands in for the runtime's own allocation failure.
        var outOfMemory = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.LimitExceeded, "Decoding the DICOM file needs more memory than is available.", new OutOfMemoryException()));
        var transcoderTimeout = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.LimitExceeded, "DICOM read limit exceeded: the transcoder ran longer than 60 s", new TimeoutException()));
        var declared = FailureClassifier.Classify(new ScanRejectedException(ScanRejectionCode.LimitExceeded, "The series has 20000 files; the limit is 10000."));
        var heap = FailureClassifier.Classify(new OutOfMemoryException());
#pragma warning restore CA2201

        Assert.Equal((FailureKind.Transient, FailureClassifier.WorkerOutOfMemory), (outOfMemory.Kind, outOfMemory.Reason));
        Assert.StartsWith("Decoding the DICOM file needs more memory than is available.", outOfMemory.Description, StringComparison.Ordinal);
        Assert.Equal((FailureKind.Transient, FailureClassifier.TranscoderTimeout), (transcoderTimeout.Kind, transcoderTimeout.Reason));
        Assert.Contains("ran longer than 60 s", transcoderTimeout.Description, StringComparison.Ordinal);
        Assert.All([outOfMemory, transcoderTimeout, heap], verdict => Assert.Contains("may be resubmitted", verdict.Description, StringComparison.Ordinal));
        Assert.Equal((FailureKind.Permanent, nameof(ScanRejectionCode.LimitExceeded)), (declared.Kind, declared.Reason));
        Assert.Equal((FailureKind.Transient, FailureClassifier.WorkerOutOfMemory), (heap.Kind, heap.Reason));
    }

    [Fact]
    public void A_managed_identity_token_that_failed_for_a_passing_reason_is_retried_as_identity_unavailable()
    {
        // What Azure.Identity throws when the identity endpoint throttles, fails or cannot be reached: the cause inside.
        Exception[] errors =
        [
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(429, "Too many requests")),
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(503, "Service unavailable")),
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Internal error.", 500)),
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused))),
            // The identity endpoint being updated (410) or the identity still being assigned (404): Microsoft says retry.
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Gone.", 410)),
            new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(404, "Not found")),
        ];

        Assert.All(errors, error =>
        {
            var verdict = FailureClassifier.Classify(error);
            Assert.Equal((FailureKind.Transient, FailureClassifier.IdentityUnavailable), (verdict.Kind, verdict.Reason));
            Assert.DoesNotContain("ManagedIdentityCredential", verdict.Description, StringComparison.Ordinal);
        });
        Assert.Contains("answered 429", FailureClassifier.Classify(errors[0]).Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(501)]
    [InlineData(505)]
    public void A_token_the_identity_endpoint_refuses_with_a_status_that_lasts_is_not_retried_as_identity_unavailable(int status)
    {
        // The identity rule passed every 5xx where storage's passes 500, 502, 503 and 504 alone: one rule now.
        var verdict = FailureClassifier.Classify(new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Not implemented.", status)));

        Assert.Equal((FailureKind.Unexpected, FailureClassifier.Unexpected), (verdict.Kind, verdict.Reason));
    }

    [Fact]
    public void A_token_refused_for_good_stays_unexpected_and_a_missing_credential_is_a_deployment_fault_not_retried_in_process()
    {
        var refused = FailureClassifier.Classify(new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(400, "Identity not found")));
        // Even with a network fault inside: no identity endpoint at all means the app has no identity to ask for.
        var missing = FailureClassifier.Classify(new CredentialUnavailableException(
            "ManagedIdentityCredential authentication unavailable. No response received from the managed identity endpoint.", new HttpRequestException("No route to host")));

        Assert.Equal((FailureKind.Unexpected, FailureClassifier.Unexpected), (refused.Kind, refused.Reason));
        Assert.Equal((FailureKind.Unexpected, FailureClassifier.IdentityNotConfigured), (missing.Kind, missing.Reason));
        Assert.Contains("managed identity", missing.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transcoder_that_cannot_run_on_this_machine_is_retried_under_its_own_reason_not_as_a_network_fault()
    {
        var error = new DicomTranscoderFaultException("The DICOM transcoder could not create its temporary folder (IOException): a fault of this machine, not of the scan.");

        var verdict = FailureClassifier.Classify(error);

        Assert.Equal((FailureKind.Transient, FailureClassifier.TranscoderUnavailable), (verdict.Kind, verdict.Reason));
        Assert.Equal(error.Message, verdict.Description);
    }
}
