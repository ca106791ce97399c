namespace Synomaly.Storage.Jobs;

/// <summary>
/// The job table does not exist in the storage account the app is connected to: a deployment fault (a wrong account in
/// the connection setting, or the table never created), not a record that was deleted. The Table service answers 404 for
/// both; its error code (TableNotFound, not ResourceNotFound) tells them apart.
/// </summary>
public sealed class JobTableMissingException(string tableName, Exception inner)
    : Exception($"The job table '{tableName}' does not exist in the storage account this app is connected to. The Bicep templates (infra/) create it, and local runs create it at start-up: check the storage connection setting.", inner)
{
    public string TableName { get; } = tableName;
}
