using Azure.Data.Tables;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The erasure's key-only read of a scan's job rows meets a missing jobs table as every other read does: the typed
/// <see cref="JobTableMissingException"/>, which the API answers with its 503 and the archive deletion puts back for an
/// hour, not the SDK's raw 404 (a bare 500, and an archive deletion retried into its poison queue).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScanJobRowsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_missing_jobs_table_is_the_typed_job_table_missing_error()
    {
        var table = new TableClient(azurite.ConnectionString, "jobsgone" + Guid.NewGuid().ToString("N")[..12]);

        var missing = await Assert.ThrowsAsync<JobTableMissingException>(() => new ScanJobRows(table).ListAsync("scan-1", TestContext.Current.CancellationToken));

        Assert.Contains(table.Name, missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_partition_of_an_existing_table_is_no_rows()
    {
        var table = new TableClient(azurite.ConnectionString, "jobsempty" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);

        Assert.Empty(await new ScanJobRows(table).ListAsync("scan-1", TestContext.Current.CancellationToken));
    }
}
