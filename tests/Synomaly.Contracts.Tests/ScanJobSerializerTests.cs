using System.Text;
using Synomaly.Contracts;

namespace Synomaly.Contracts.Tests;

public sealed class ScanJobSerializerTests
{
    private static ScanJob Sample() => new()
    {
        ScanId = "3f2a-77",
        SourceBlobUri = new Uri("http://127.0.0.1:10000/devstoreaccount1/scans/3f2a-77/upload.dcm"),
        SourceETag = "\"0x8DC1\"",
        DetectedFormat = ScanFormat.Dicom,
        ModelName = "brain-mri-demo",
        ModelVersion = "1.0.0",
        CorrelationId = "corr-1",
        SubmittedAt = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public void Round_trip_preserves_every_field()
    {
        var job = Sample();
        var back = ScanJobSerializer.Deserialize(ScanJobSerializer.Serialize(job));
        Assert.Equal(job, back);
    }

    [Fact]
    public void Json_uses_camel_case_and_enum_names()
    {
        var json = Encoding.UTF8.GetString(ScanJobSerializer.Serialize(Sample()));
        Assert.Contains("\"scanId\":\"3f2a-77\"", json, StringComparison.Ordinal);
        Assert.Contains("\"detectedFormat\":\"Dicom\"", json, StringComparison.Ordinal);
        Assert.Contains("\"schemaVersion\":2", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_id_that_would_pass_service_bus_s_128_characters_is_folded_into_a_digest_after_the_scan_id()
    {
        // The longest scan id intake accepts, a long ETag and the longest model version the apps accept.
        var scanId = new string('a', 64);
        var job = Sample() with { ScanId = scanId, SourceETag = "\"0x8DC1A2B3C4D5E6F\"", ModelVersion = new string('v', 64) };
        var retry = job with { Retry = long.MaxValue };

        Assert.StartsWith(scanId + ":h", job.MessageId, StringComparison.Ordinal);
        Assert.Equal(scanId.Length + 2 + 32, job.MessageId.Length);
        Assert.InRange(retry.MessageId.Length, 1, 128);
        Assert.Equal(job.MessageId, (job with { }).MessageId);
        Assert.NotEqual(job.MessageId, (job with { SourceETag = "\"0x8DC1A2B3C4D5E70\"" }).MessageId);
        Assert.NotEqual(job.MessageId, (job with { ModelVersion = new string('w', 64) }).MessageId);
        Assert.True(job.IsMessageForSameSource(retry.MessageId));
        Assert.False((job with { SourceETag = "0x1" }).IsMessageForSameSource(retry.MessageId));
    }

    [Fact]
    public void Every_plain_message_id_with_the_longest_retry_suffix_fits_service_bus()
    {
        var plain = new string('a', ScanJob.MaxPlainMessageIdLength - 4) + ":e:v";
        var job = Sample() with { ScanId = plain[..^4], SourceETag = "e", ModelVersion = "v", Retry = long.MaxValue };

        Assert.Equal(plain, ScanJob.CreateMessageId(plain[..^4], "e", "v"));
        Assert.Equal(128, job.MessageId.Length);
    }

    [Fact]
    public void Message_id_is_deterministic_and_ignores_etag_quotes()
    {
        Assert.Equal("3f2a-77:0x8DC1:1.0.0", Sample().MessageId);
        Assert.Equal(Sample().MessageId, ScanJob.CreateMessageId("3f2a-77", "0x8DC1", "1.0.0"));
    }

    [Fact]
    public void A_retry_gets_its_own_message_id_and_travels_while_a_first_submission_is_written_as_before()
    {
        var retry = Sample() with { Retry = 1_780_000_000_123 };

        var first = Encoding.UTF8.GetString(ScanJobSerializer.Serialize(Sample()));
        var back = ScanJobSerializer.Deserialize(ScanJobSerializer.Serialize(retry));

        Assert.Equal("3f2a-77:0x8DC1:1.0.0:r1780000000123", retry.MessageId);
        Assert.DoesNotContain("retry", first, StringComparison.Ordinal);
        Assert.Equal(retry, back);
        Assert.Equal(retry.MessageId, back.MessageId);
    }

    [Fact]
    public void Messages_of_the_same_blob_version_are_recognised_whichever_retry_they_are()
    {
        var job = Sample();
        var retry = job with { Retry = 7 };

        Assert.True(job.IsMessageForSameSource(retry.MessageId));
        Assert.True(retry.IsMessageForSameSource(job.MessageId));
        Assert.False(job.IsMessageForSameSource((job with { SourceETag = "0x8DC2" }).MessageId));
        Assert.False(job.IsMessageForSameSource(job.MessageId + "x"));
        Assert.False(job.IsMessageForSameSource("deleted"));
        Assert.False(job.IsMessageForSameSource(null));
    }

    [Fact]
    public void The_retry_behind_a_message_id_of_the_same_blob_version_is_read_back_exactly()
    {
        var job = Sample();
        var retry = job with { Retry = 1_780_000_000_123 };
        var longIds = job with { ScanId = new string('a', 64), ModelVersion = new string('v', 64) };

        Assert.Equal(retry.Retry, job.RetryOf(retry.MessageId));
        Assert.Equal(retry.Retry, (job with { Retry = 5 }).RetryOf(retry.MessageId));
        Assert.Equal(long.MaxValue, longIds.RetryOf((longIds with { Retry = long.MaxValue }).MessageId));
        Assert.Null(job.RetryOf(job.MessageId));
        Assert.Null(job.RetryOf((retry with { SourceETag = "0x8DC2" }).MessageId));
        Assert.Null(job.RetryOf(job.MessageId + ":r007")); // no retry writes that id
        Assert.Null(job.RetryOf(job.MessageId + ":rx"));
        Assert.Null(job.RetryOf(null));
    }

    [Theory]
    [InlineData("{\"schemaVersion\":3,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "schema version 3; this build reads versions 1 to 2")]
    [InlineData("{\"schemaVersion\":0,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "schema version 0")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "no sourceBlobUri, which schema version 1 requires")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":null,\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "no sourceBlobUri, which schema version 1 requires")]
    [InlineData("{\"schemaVersion\":2,\"scanId\":\"a\",\"sourceBlobUri\":\"y/z.dcm\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "not an absolute http(s) URI")]
    [InlineData("null", "empty")]
    [InlineData("{not json", "not a valid ScanJob")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a/b\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "opaque id")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"v1/2\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "modelVersion must be")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"..\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "modelVersion must be")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\" \",\"modelName\":\"m\",\"modelVersion\":\"1\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "no sourceETag")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"\",\"modelVersion\":\"1\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "no modelName")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"y/z.dcm\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "not an absolute http(s) URI")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"file:///etc/passwd\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"inferenceProfile\":\"p\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "not an absolute http(s) URI")]
    [InlineData("{\"schemaVersion\":1,\"scanId\":\"a\",\"sourceBlobUri\":\"http://x/y\",\"sourceETag\":\"e\",\"modelName\":\"m\",\"modelVersion\":\"1\",\"inferenceProfile\":\"\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}", "no inferenceProfile")]
    public void Invalid_messages_get_a_typed_error_naming_the_problem(string json, string expected)
    {
        var error = Assert.Throws<InvalidScanJobException>(() => ScanJobSerializer.Deserialize(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scanId")]
    [InlineData("sourceETag")]
    [InlineData("modelName")]
    [InlineData("modelVersion")]
    [InlineData("inferenceProfile")]
    [InlineData("correlationId")]
    public void An_explicit_null_in_a_member_that_is_not_nullable_is_an_invalid_message_naming_the_member(string member)
    {
        var json = new Dictionary<string, object?>
        {
            ["schemaVersion"] = 1,
            ["scanId"] = "a",
            ["sourceBlobUri"] = "http://x/scans/a/y.dcm",
            ["sourceETag"] = "e",
            ["modelName"] = "m",
            ["modelVersion"] = "1",
            ["inferenceProfile"] = "p",
            ["correlationId"] = "c",
            ["submittedAt"] = "2026-01-01T00:00:00Z",
        };
        json[member] = null;

        var error = Assert.Throws<InvalidScanJobException>(() => ScanJobSerializer.Deserialize(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(json)));

        Assert.Contains($"Path: $.{member} ", error.Message, StringComparison.Ordinal);
    }

    private static ScanJob ArchiveJob() => Sample() with
    {
        ScanId = "a-0c9d",
        SourceBlobUri = new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/2024/Doe-Jane-brain.nii.gz"),
        Origin = JobOrigin.Bulk,
    };

    [Fact]
    public void An_archive_jobs_message_leaves_out_the_archive_path_and_keeps_its_message_id()
    {
        var job = ArchiveJob();

        var json = Encoding.UTF8.GetString(ScanJobSerializer.Serialize(job.ForQueue()));
        var back = ScanJobSerializer.Deserialize(Encoding.UTF8.GetBytes(json));

        Assert.DoesNotContain("Doe-Jane", json, StringComparison.Ordinal);
        Assert.DoesNotContain("sourceBlobUri", json, StringComparison.Ordinal);
        Assert.Contains("\"schemaVersion\":2", json, StringComparison.Ordinal);
        Assert.Null(back.SourceBlobUri);
        Assert.Equal((job.MessageId, job.SourceETag, JobOrigin.Bulk), (back.MessageId, back.SourceETag, back.Origin));
    }

    [Fact]
    public void An_upload_keeps_its_opaque_source_in_the_message()
    {
        var job = Sample();

        Assert.Equal(job, job.ForQueue());
        Assert.Equal(job.SourceBlobUri, ScanJobSerializer.Deserialize(ScanJobSerializer.Serialize(job)).SourceBlobUri);
    }

    [Fact]
    public void No_message_carries_the_files_content_hash_and_the_writer_refuses_one_that_does()
    {
        var upload = Sample() with { SourceContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==" };
        var archive = ArchiveJob() with { SourceContentMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==" };

        Assert.All([upload, archive], job =>
        {
            var json = Encoding.UTF8.GetString(ScanJobSerializer.Serialize(job.ForQueue()));
            Assert.DoesNotContain("sourceContentMd5", json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(job.SourceContentMd5!, json, StringComparison.Ordinal);
            Assert.Equal(job.MessageId, job.ForQueue().MessageId);
        });
        Assert.Throws<ArgumentException>(() => ScanJobSerializer.Serialize(upload));
    }

    [Fact]
    public void A_message_queued_with_a_content_hash_before_it_was_left_out_is_still_read()
    {
        var json = Encoding.UTF8.GetString(ScanJobSerializer.Serialize(Sample()));
        var older = json.Replace("{", "{\"sourceContentMd5\":\"1B2M2Y8AsgTpgAmY7PhCfg==\",", StringComparison.Ordinal);

        var back = ScanJobSerializer.Deserialize(Encoding.UTF8.GetBytes(older));

        Assert.Equal(Sample().MessageId, back.MessageId);
    }

    [Fact]
    public void An_archive_job_that_still_names_its_path_is_refused_by_the_writer()
    {
        var error = Assert.Throws<ArgumentException>(() => ScanJobSerializer.Serialize(ArchiveJob()));

        Assert.Contains("must not carry its source path", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe-Jane", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_1_message_written_before_the_upgrade_is_still_read_with_its_source()
    {
        const string json = "{\"schemaVersion\":1,\"scanId\":\"a-0c9d\",\"sourceBlobUri\":\"http://127.0.0.1:10000/devstoreaccount1/archive/2024/x.nii.gz\",\"sourceETag\":\"\\\"0x8DC1\\\"\",\"detectedFormat\":\"Unknown\",\"modality\":\"Auto\",\"modelName\":\"m\",\"modelVersion\":\"1.0.0\",\"inferenceProfile\":\"default\",\"origin\":\"Bulk\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}";

        var job = ScanJobSerializer.Deserialize(Encoding.UTF8.GetBytes(json));

        Assert.Equal(1, job.SchemaVersion);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/2024/x.nii.gz"), job.SourceBlobUri);
        Assert.Equal("a-0c9d:0x8DC1:1.0.0", job.MessageId);
    }

    [Fact]
    public void Results_paths_are_deterministic_and_reject_path_injection()
    {
        Assert.Equal("s1/1.0.0/0x8DC1A2B3C4D5E6F/", BlobLayout.ResultsPrefix("s1", "1.0.0", "\"0x8DC1A2B3C4D5E6F\""));
        Assert.Equal("s1/1.0.0/0x8DC1A2B3C4D5E6F/", BlobLayout.ResultsPrefix("s1", "1.0.0", "0x8DC1A2B3C4D5E6F"));
        Assert.Throws<ArgumentException>(() => BlobLayout.ResultsPrefix("../x", "1", "0x1"));
        Assert.Throws<ArgumentException>(() => BlobLayout.ResultsPrefix("s1", "1", ""));
    }

    [Fact]
    public void Each_upload_version_has_its_own_results_folder_and_any_etag_gives_one_safe_segment()
    {
        var first = new ScanJob { ScanId = "s1", ModelName = "m", ModelVersion = "1.0.0", SourceBlobUri = new Uri("https://a/scans/s1/scan.png"), SourceETag = "\"0x1\"", CorrelationId = "c", SubmittedAt = DateTimeOffset.UnixEpoch };
        var again = first with { SourceETag = "\"0x2\"" };

        Assert.Equal("s1/1.0.0/0x1/report.json", BlobLayout.ResultPath(first, BlobLayout.ReportFile));
        Assert.Equal("s1/1.0.0/0x1/overlays/0007.png", BlobLayout.OverlayPath(first, 7));
        Assert.NotEqual(BlobLayout.ResultsPrefix(first), BlobLayout.ResultsPrefix(again));
        var odd = BlobLayout.SourceVersionSegment("W/\"a/b..c\"");
        Assert.Matches("^h[0-9a-f]{32}$", odd);
        Assert.Equal(odd, BlobLayout.SourceVersionSegment("W/\"a/b..c\""));
        Assert.NotEqual(odd, BlobLayout.SourceVersionSegment("W/\"a/b..d\""));
    }

    [Fact]
    public void Terminal_states_cannot_go_back_to_processing()
    {
        Assert.False(JobStateTransitions.IsAllowed(JobState.Succeeded, JobState.Processing));
        Assert.False(JobStateTransitions.IsAllowed(JobState.Failed, JobState.Processing));
        Assert.True(JobStateTransitions.IsAllowed(JobState.Processing, JobState.Succeeded));
        Assert.False(JobStateTransitions.IsAllowed(JobState.Succeeded, JobState.Failed));
        Assert.True(JobStateTransitions.IsAllowed(JobState.Succeeded, JobState.Queued));
        Assert.True(JobState.Failed.IsTerminal());
    }
}
