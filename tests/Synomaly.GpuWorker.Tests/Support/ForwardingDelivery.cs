using Synomaly.GpuWorker.Messaging;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A delivery that passes everything to <paramref name="inner"/>: tests derive from it to inject one fault into one
/// settlement call without restating the rest.
/// </summary>
internal abstract class ForwardingDelivery(ScanJobDelivery inner) : ScanJobDelivery
{
    protected ScanJobDelivery Inner { get; } = inner;

    public override string MessageId => Inner.MessageId;

    public override BinaryData Body => Inner.Body;

    public override int DeliveryCount => Inner.DeliveryCount;

    public override DateTimeOffset EnqueuedAt => Inner.EnqueuedAt;

    public override DateTimeOffset LockedUntil => Inner.LockedUntil;

    public override Task RenewLockAsync(CancellationToken cancellationToken = default) => Inner.RenewLockAsync(cancellationToken);

    public override Task CompleteAsync(CancellationToken cancellationToken = default) => Inner.CompleteAsync(cancellationToken);

    public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default) => Inner.AbandonAsync(retryDelay, cancellationToken);

    public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default) =>
        Inner.DeadLetterAsync(reason, description, cancellationToken);
}
