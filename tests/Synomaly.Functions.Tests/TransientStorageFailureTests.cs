using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Synomaly.Storage;

namespace Synomaly.Functions.Tests;

/// <summary>
/// What Azure.Core throws when tries outlast its network timeout, or the caller cancels, and how the classifier reads it:
/// a transport that answers as told and then never answers, under the SDK's real retry and timeout policies.
/// </summary>
public sealed class TransientStorageFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_try_outlasting_the_network_timeout_is_a_passing_failure_with_no_status()
    {
        var error = await Assert.ThrowsAsync<AggregateException>(() => ReadAsync(new SilentTransport(), Ct));

        Assert.Equal(new StorageFailure(0, null), TransientStorageFailure.Of(error, Ct));
    }

    [Fact]
    public async Task A_caller_that_cancels_after_tries_timed_out_is_not_answered_as_a_storage_outage()
    {
        // The retry policy puts the cancelled try beside the timeouts before it, all cancellations: the API answered a
        // caller that had gone away with a 503 storage-unavailable.
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var transport = new SilentTransport { OnTry = (attempt) => attempt == 3 ? caller.CancelAsync() : Task.CompletedTask };

        var error = await Assert.ThrowsAsync<AggregateException>(() => ReadAsync(transport, caller.Token));

        Assert.Contains(error.InnerExceptions, e => e.Message.Contains("exceeded the configured timeout", StringComparison.Ordinal));
        Assert.Null(TransientStorageFailure.Of(error, caller.Token));
    }

    [Fact]
    public async Task A_last_try_that_times_out_after_busy_answers_is_a_passing_failure_though_the_sdk_throws_it_alone()
    {
        // The SDK retries 503 answers without collecting them, so the one timeout came unwrapped, not in an
        // AggregateException, and the host answered it 500.
        var transport = new SilentTransport { BusyAnswers = 2 };

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => ReadAsync(transport, Ct));

        Assert.Equal(new StorageFailure(0, null), TransientStorageFailure.Of(error, Ct));
    }

    [Fact]
    public async Task A_caller_that_cancels_the_only_try_is_not_a_storage_failure()
    {
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var transport = new SilentTransport { OnTry = _ => caller.CancelAsync() };

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ReadAsync(transport, caller.Token));

        Assert.Null(TransientStorageFailure.Of(error, caller.Token));
    }

    /// <summary>A point read through the SDK's pipeline (3 tries, a 200 ms network timeout) over <paramref name="transport"/>.</summary>
    private static Task ReadAsync(SilentTransport transport, CancellationToken cancellationToken)
    {
        var options = new TableClientOptions
        {
            Transport = transport,
            Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(1), Mode = RetryMode.Fixed, NetworkTimeout = TimeSpan.FromMilliseconds(200) },
        };
        var table = new TableClient(new Uri("http://127.0.0.1:1/devstoreaccount1/t"), "t", new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])), options);
        return table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: cancellationToken);
    }

    /// <summary>Answers the first <see cref="BusyAnswers"/> tries 503 ServerBusy, then never answers (until the try's token is cancelled).</summary>
    private sealed class SilentTransport : HttpPipelineTransport
    {
        private readonly HttpClientTransport requests = new();
        private int tries;

        public int BusyAnswers { get; init; }

        /// <summary>Called with the try's number (from 1) as it starts.</summary>
        public Func<int, Task> OnTry { get; init; } = _ => Task.CompletedTask;

        public override Request CreateRequest() => requests.CreateRequest();

        public override void Process(HttpMessage message) => throw new NotSupportedException("The SDK's async calls only.");

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            var attempt = ++tries;
            await OnTry(attempt);
            if (attempt <= BusyAnswers)
            {
                message.Response = new ServerBusyResponse(message.Request.ClientRequestId);
                return;
            }

            await Task.Delay(Timeout.Infinite, message.CancellationToken);
        }
    }

    /// <summary>Azure Storage's throttling answer: 503 ServerBusy, no body.</summary>
    private sealed class ServerBusyResponse(string clientRequestId) : Response
    {
        public override int Status => 503;

        public override string ReasonPhrase => "Server Busy";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose()
        {
        }

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
        {
            value = name == "x-ms-error-code" ? "ServerBusy" : null;
            return value is not null;
        }

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = TryGetHeader(name, out var value) ? [value] : null;
            return values is not null;
        }

        protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [new HttpHeader("x-ms-error-code", "ServerBusy")];
    }
}
