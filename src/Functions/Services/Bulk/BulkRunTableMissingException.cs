namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The bulk run table (which also holds the sweeps' saved places) does not exist in the storage account the app is
/// connected to: a deployment fault, as <see cref="Synomaly.Storage.Jobs.JobTableMissingException"/> is for the job
/// table, not a run that was never started or a sweep that saved no place.
/// </summary>
public sealed class BulkRunTableMissingException(string tableName, Exception inner)
    : Exception($"The bulk run table '{tableName}' does not exist in the storage account this app is connected to. The Bicep templates (infra/) create it, and local runs create it at start-up: check the storage connection setting.", inner)
{
    public string TableName { get; } = tableName;
}
