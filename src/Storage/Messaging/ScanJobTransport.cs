namespace Synomaly.Storage.Messaging;

/// <summary>The queue technology between the Functions app and the GPU worker (settings Intake__Transport, Worker__Transport).</summary>
public enum ScanJobTransport
{
    ServiceBus = 0,
    StorageQueue,
    InMemory,
}
