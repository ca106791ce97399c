using Azure;
using Synomaly.GpuWorker.Processing;

namespace Synomaly.GpuWorker.Tests;

public sealed class TransientRetryTests
{
    private static readonly ProcessingPolicy Policy = new() { TransientRetries = 3, TransientRetryDelay = TimeSpan.FromMilliseconds(1) };

    [Fact]
    public async Task A_storage_request_that_got_no_response_is_retried_in_process()
    {
        var retry = new TransientRetry(Policy);
        var attempts = 0;

        var result = await retry.ExecuteAsync(
            _ => ++attempts < 3 ? throw new RequestFailedException("Connection refused", new HttpRequestException("Connection refused")) : Task.FromResult("read"),
            TestContext.Current.CancellationToken);

        Assert.Equal(("read", 3), (result, attempts));
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        var retry = new TransientRetry(Policy);
        var attempts = 0;

        await Assert.ThrowsAsync<RequestFailedException>(() => retry.ExecuteAsync<string>(
            _ => { attempts++; throw new RequestFailedException(403, "denied"); },
            TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
    }
}
