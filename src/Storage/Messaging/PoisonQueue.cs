namespace Synomaly.Storage.Messaging;

/// <summary>
/// The name of a storage queue's poison queue: the WebJobs SDK moves a message there after its last failed dequeue, and
/// the worker's storage-queue transport dead-letters ScanJobs there too. One spelling for the templates' lists, the local
/// provisioning and every reader of dead letters.
/// </summary>
public static class PoisonQueue
{
    public const string Suffix = "-poison";

    public static string NameOf(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        return queueName + Suffix;
    }
}
