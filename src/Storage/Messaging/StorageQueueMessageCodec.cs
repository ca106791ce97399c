using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// The Storage Queue wire format of a ScanJob: the JSON as <see cref="QueueTriggerText"/> encodes it, so the same queue can
/// be read by a queue trigger or by the worker's own receiver.
/// </summary>
public static class StorageQueueMessageCodec
{
    public static string Encode(ScanJob job) => QueueTriggerText.Encode(ScanJobSerializer.Serialize(job));

    /// <exception cref="InvalidScanJobException">The text is not base64 or not a ScanJob of a schema version this code reads.</exception>
    public static ScanJob Decode(string messageText)
    {
        byte[] json;
        try
        {
            json = Convert.FromBase64String(messageText);
        }
        catch (FormatException e)
        {
            throw new InvalidScanJobException("The queue message is not base64 text.", e);
        }

        return ScanJobSerializer.Deserialize(json);
    }
}
