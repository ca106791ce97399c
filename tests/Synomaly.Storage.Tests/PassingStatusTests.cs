using Azure;
using Azure.Identity;
using Microsoft.Identity.Client;

namespace Synomaly.Storage.Tests;

/// <summary>
/// The one rule of passing statuses, and its two users here (the worker's FailureClassifierTests pin the third): storage's
/// rule and the identity rule spelt it each their own way, and disagreed on 501, 505 and the rest of the 5xx.
/// </summary>
public sealed class PassingStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(PassingStatus.NoAnswer, false)]
    [InlineData(400, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(410, false)]
    [InlineData(501, false)]
    [InlineData(505, false)]
    [InlineData(507, false)]
    [InlineData(599, false)]
    public void Timeouts_throttling_and_server_or_gateway_failures_pass_and_no_other_answer_does(int status, bool passes)
    {
        Assert.Equal(passes, PassingStatus.Is(status));
    }

    [Theory]
    [InlineData(501)]
    [InlineData(505)]
    [InlineData(507)]
    public void A_token_the_identity_endpoint_refuses_with_a_5xx_that_storage_does_not_pass_lasts(int status)
    {
        // It passed every 5xx: the erasure answered 409 "repeat after Retry-After" and the worker retried it as
        // IdentityUnavailable, where the same answer to a storage request is a 500 no repetition mends.
        var viaAzureCore = new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(status, "Refused."));
        var viaMsal = new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Refused.", status));

        Assert.Null(TransientIdentityFailure.CauseOf(viaAzureCore));
        Assert.Null(TransientIdentityFailure.CauseOf(viaMsal));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(502)]
    [InlineData(504)]
    public void A_token_the_identity_endpoint_withholds_with_a_passing_status_passes_by_that_status(int status)
    {
        var error = new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Busy.", status));

        Assert.Equal($"the identity endpoint answered {status}", TransientIdentityFailure.CauseOf(error));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public void A_token_the_identity_endpoint_withholds_while_it_or_the_identity_is_being_updated_passes(int status)
    {
        // Azure.Identity retries these itself; once its retries ran out the rule called them lasting, though Microsoft's
        // guidance for the identity endpoint is to retry both (410: it is back within 70 s).
        var viaAzureCore = new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new RequestFailedException(status, "Updating."));
        var viaMsal = new AuthenticationFailedException("ManagedIdentityCredential authentication failed.", new MsalServiceException("managed_identity_request_failed", "Updating.", status));

        Assert.Equal($"the identity endpoint answered {status}", TransientIdentityFailure.CauseOf(viaAzureCore));
        Assert.Equal($"the identity endpoint answered {status}", TransientIdentityFailure.CauseOf(viaMsal));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public void The_same_404_or_410_from_storage_lasts(int status)
    {
        // Passing for the identity endpoint only: storage answers 404 for a blob or table that is not there, 410 never.
        Assert.False(PassingStatus.Is(status));
        Assert.Null(TransientStorageFailure.Of(new RequestFailedException(status, "Gone.", "Code", null), Ct));
    }

    [Theory]
    [InlineData(PassingStatus.NoAnswer, true)]
    [InlineData(504, true)]
    [InlineData(501, false)]
    [InlineData(505, false)]
    public void Storage_counts_no_answer_as_passing_besides_the_passing_statuses(int status, bool passes)
    {
        var error = status == PassingStatus.NoAnswer
            ? new RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"))
            : new RequestFailedException(status, "Failed.", "Code", null);

        Assert.Equal(passes, TransientStorageFailure.Of(error, Ct) is not null);
    }
}
