using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Functions.Triggers;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The bulk run table (which also holds the sweeps' saved places) when it does not exist.</summary>
[Trait("Category", "Integration")]
public sealed class BulkRunTableMissingTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_read_and_write_of_a_missing_bulk_run_table_throws_the_typed_error_naming_the_table()
    {
        // Reads "if exists" took the missing table for a missing run or no saved place (a 404 "no bulk run", a sweep from
        // the start), a cleared place was taken as already cleared, and the rest threw the SDK's bare 404.
        var table = new TableClient(azurite.ConnectionString, "missing" + Guid.NewGuid().ToString("N")[..12]);
        var runs = new BulkRunStore(table);
        var cursors = new SweepCursorStore(table);
        var run = new BulkRun { RunId = "run-1", ModelName = "m", ModelVersion = "v1", ETag = Azure.ETag.All };

        var errors = new[]
        {
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.GetAsync("run-1", Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.CreateAsync(run, Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.IsFirstStepQueuedAsync("run-1", Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.MarkFirstStepQueuedAsync("run-1", Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.DeleteUnstartedAsync("run-1", Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.ListUnfinishedAsync(Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => runs.TryReplaceAsync(run, run, Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => cursors.GetAsync(SweepCursorStore.JobExpiry, Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => cursors.SetAsync(SweepCursorStore.JobExpiry, "place", Ct)),
            await Assert.ThrowsAsync<BulkRunTableMissingException>(() => cursors.SetAsync(SweepCursorStore.JobExpiry, null, Ct)),
        };

        Assert.All(errors, e => Assert.Equal(table.Name, e.TableName));
        Assert.All(errors, e => Assert.Contains(table.Name, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reading_a_run_without_the_table_answers_a_503_problem_with_retry_after_and_logs_the_table_as_an_error()
    {
        // Answered 404 "No bulk run": the missing table was taken for a missing run.
        await using var host = await TestHost.CreateAsync(azurite);
        await new TableClient(host.ConnectionString, host.BulkRunsTable).DeleteAsync(Ct);
        var request = HttpRequests.Create("GET");
        var log = new CapturingLogger<GetReprocessRun>();

        var answer = await ActivatorUtilities.CreateInstance<GetReprocessRun>(host.Services, log).Run(request, "run-1", Ct);

        AssertAnswered(answer, request, log, host.BulkRunsTable, nameof(GetReprocessRun));
    }

    [Fact]
    public async Task Starting_a_run_without_the_table_answers_a_503_problem_with_retry_after_and_logs_the_table_as_an_error()
    {
        // In Azure the app's role may not create tables, so the start-up create is refused and the run's write threw the
        // SDK's bare 404 (the host's empty 500).
        await using var host = await TestHost.CreateAsync(azurite);
        var table = new TableClient(host.ConnectionString, host.BulkRunsTable);
        await table.DeleteAsync(Ct);
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, new NotCreatingBulkRunStore(table));
        var request = HttpRequests.Create("POST", """{"dryRun":true}""");
        var log = new CapturingLogger<StartReprocess>();

        var answer = await ActivatorUtilities.CreateInstance<StartReprocess>(host.Services, bulk, log).Run(request, Ct);

        AssertAnswered(answer, request, log, host.BulkRunsTable, nameof(StartReprocess));
    }

    private static void AssertAnswered<T>(IActionResult answer, HttpRequest request, CapturingLogger<T> log, string tableName, string operation)
    {
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((503, Http.Problems.BulkRunTableMissingType), (problem.Status, problem.Type));
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.DoesNotContain(tableName, problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(tableName, error.Message, StringComparison.Ordinal);
        Assert.Contains(operation, error.Message, StringComparison.Ordinal);
    }

    /// <summary>A store whose start-up create is refused, as where the app's role covers the table's data only.</summary>
    private sealed class NotCreatingBulkRunStore(TableClient table) : BulkRunStore(table)
    {
        public override Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
