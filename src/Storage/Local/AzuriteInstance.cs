namespace Synomaly.Storage.Local;

/// <summary>
/// An Azurite that scripts/azurite.sh start returned: its connection string, and whether this start launched it (false:
/// it was already running, started by someone else, who stops it).
/// </summary>
public sealed record AzuriteInstance(string ConnectionString, bool StartedHere);
