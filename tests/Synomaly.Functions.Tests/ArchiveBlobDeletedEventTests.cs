using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>Reading the BlobDeleted events Event Grid delivers to the archive-deletions queue.</summary>
public sealed class ArchiveBlobDeletedEventTests
{
    private static readonly BlobContainerClient AzureArchive = new(new Uri("https://stscanexample.blob.core.windows.net/archive"));

    [Theory]
    [InlineData("2024/patient 17/CT série ü.dcm")]
    [InlineData("plain.nii.gz")]
    [InlineData("a+b%20c/#1?.dcm")]
    public void A_deletion_names_the_blob_exactly_as_bulk_reprocessing_read_it_so_the_scan_ids_agree(string name)
    {
        var message = BinaryData.FromString(BlobDeletedEvents.For(AzureArchive.GetBlobClient(name).Uri));

        var deleted = ArchiveBlobDeletedEvent.Parse(message);

        Assert.Equal(new ArchiveBlobDeletedEvent("stscanexample", name), deleted);
        var key = ArchiveScanIdKey.FromBytes(new byte[ArchiveScanIdKey.Length]);
        Assert.Equal(BlobLayout.ArchiveScanId(name, key), BlobLayout.ArchiveScanId(deleted!.BlobName, key));
    }

    [Fact]
    public void An_azurite_url_names_its_account_from_the_path()
    {
        var archive = new BlobContainerClient(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive"));

        var deleted = ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(BlobDeletedEvents.For(archive.GetBlobClient("x/y.dcm").Uri)));

        Assert.Equal(new ArchiveBlobDeletedEvent("devstoreaccount1", "x/y.dcm"), deleted);
    }

    [Fact]
    public void Events_that_are_not_deletions_in_the_archive_are_not_acted_on()
    {
        var created = BlobDeletedEvents.For(AzureArchive.GetBlobClient("a.dcm").Uri, eventType: "Microsoft.Storage.BlobCreated");
        var upload = BlobDeletedEvents.For(new Uri("https://stscanexample.blob.core.windows.net/scans/s1/a.dcm"));
        var lookalike = BlobDeletedEvents.For(new Uri("https://stscanexample.blob.core.windows.net/archived/a.dcm"));

        Assert.Null(ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(created)));
        Assert.Null(ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(upload)));
        Assert.Null(ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(lookalike)));
    }

    [Theory]
    [InlineData("not json at all", "not an Event Grid event")]
    [InlineData("{\"hello\":1}", "not an Event Grid event")]
    [InlineData("[]", "holds 0 events")]
    public void A_message_that_is_not_one_event_is_a_typed_error_naming_the_problem(string message, string expected)
    {
        var error = Assert.Throws<InvalidArchiveEventException>(() => ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(message)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_events_in_one_message_or_a_deletion_without_a_url_are_typed_errors()
    {
        var one = BlobDeletedEvents.For(AzureArchive.GetBlobClient("a.dcm").Uri);
        var noUrl = one.Replace("\"url\":", "\"link\":", StringComparison.Ordinal);

        Assert.Contains("holds 2 events", Assert.Throws<InvalidArchiveEventException>(() => ArchiveBlobDeletedEvent.Parse(BinaryData.FromString($"[{one},{one}]"))).Message, StringComparison.Ordinal);
        Assert.Contains("no blob URL", Assert.Throws<InvalidArchiveEventException>(() => ArchiveBlobDeletedEvent.Parse(BinaryData.FromString(noUrl))).Message, StringComparison.Ordinal);
    }
}
