using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Storage.Tests;

/// <summary>What an erasure leaves of a job record: its opaque ids, a code and times, nothing it need not keep.</summary>
public sealed class JobRecordTombstoneTests
{
    [Fact]
    public void A_tombstone_of_a_started_job_keeps_no_claim_of_the_delivery_that_ran_it()
    {
        // A claim names the message copy that ran the job (a Service Bus id holds the source blob's ETag): it says nothing
        // once the scan is erased, and a tombstone stands for no message.
        var started = new JobRecord
        {
            ScanId = "scan-erased",
            ModelVersion = "v1",
            State = JobState.Processing,
            MessageId = "scan-erased:0x1:v1",
            StartedAt = DateTimeOffset.UnixEpoch,
            ClaimedBy = "1.0123456789abcdef0123456789abcdef@scan-erased:0x1:v1",
        };

        var tombstone = JobRecord.Tombstone(started, DateTimeOffset.UnixEpoch.AddHours(1));

        Assert.True(tombstone.IsDeleted);
        Assert.Null(tombstone.ClaimedBy);
    }
}
