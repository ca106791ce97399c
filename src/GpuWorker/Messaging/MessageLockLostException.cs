namespace Synomaly.GpuWorker.Messaging;

/// <summary>The message's lock expired or was taken over: its work must stop and it must not be settled.</summary>
public sealed class MessageLockLostException : Exception
{
    public MessageLockLostException(string message) : base(message) { }

    public MessageLockLostException(string message, Exception inner) : base(message, inner) { }
}
