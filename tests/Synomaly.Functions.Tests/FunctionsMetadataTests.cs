using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The generated functions.metadata is the contract with the Functions host and with infra (Event Grid subscription,
/// app settings): every trigger, path, connection, route and schedule is asserted here.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static JsonElement[] LoadMetadata()
    {
        var path = Path.Combine(BuildOutputs.Get(typeof(FunctionsMetadataTests).Assembly, "FunctionsOutputDirectory"), "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static JsonElement Trigger(string function)
    {
        var entry = Assert.Single(LoadMetadata(), f => f.GetProperty("name").GetString() == function);
        return Assert.Single(entry.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
    }

    private static string? Text(JsonElement binding, string property) =>
        binding.TryGetProperty(property, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString() : null;

    [Fact]
    public void The_app_has_exactly_the_documented_functions()
    {
        Assert.Equal(
            ["ArchiveSourceDeleted", "BulkReprocessStep", "BulkReprocessStepPoisoned", "BulkReprocessTimer", "CreateScanUpload", "DeleteScan", "ExpireStaleJobs", "GetOpenApiDocument", "GetReprocessRun", "GetScanStatus", "Health", "ListScans", "ReconcileUploads", "ReplayArchiveDeadLetters", "RetryFailedScans", "RetryScan", "ScanUploaded", "ScanUploadedPolling", "StartReprocess"],
            LoadMetadata().Select(f => f.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void Health_is_an_anonymous_get_on_the_health_route()
    {
        var trigger = Trigger("Health");
        Assert.Equal("health", Text(trigger, "route"));
        Assert.Equal("Anonymous", Text(trigger, "authLevel"));
    }

    [Theory]
    [InlineData("ScanUploaded", "EventGrid")]
    [InlineData("ScanUploadedPolling", "LogsAndContainerScan")]
    public void The_intake_blob_triggers_watch_the_scans_container_on_the_scans_storage_connection(string function, string source)
    {
        var trigger = Trigger(function);
        Assert.Equal("blobTrigger", Text(trigger, "type"));
        Assert.Equal("scans/{name}", Text(trigger, "path"));
        Assert.Equal("ScansStorage", Text(trigger, "connection"));
        Assert.Equal(source, Text(trigger, "source"));

        // Deferred binding = the SDK-type BlobClient: the host hands over a reference, never the scan's bytes.
        Assert.Equal("True", Text(trigger.GetProperty("properties"), "supportsDeferredBinding"));
    }

    [Theory]
    [InlineData("CreateScanUpload", "post", "scans")]
    [InlineData("ListScans", "get", "scans")]
    [InlineData("GetScanStatus", "get", "scans/{scanId}")]
    [InlineData("RetryScan", "post", "scans/{scanId}/retry")]
    [InlineData("RetryFailedScans", "post", "scans/retry-failed")]
    [InlineData("StartReprocess", "post", "reprocess")]
    [InlineData("GetReprocessRun", "get", "reprocess/{runId}")]
    public void Each_api_route_needs_a_function_key(string function, string method, string route)
    {
        var trigger = Trigger(function);
        Assert.Equal("httpTrigger", Text(trigger, "type"));
        Assert.Equal(route, Text(trigger, "route"));
        Assert.Equal("Function", Text(trigger, "authLevel"));
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void The_bulk_timer_reads_its_schedule_from_the_bulk_schedule_setting()
    {
        var trigger = Trigger("BulkReprocessTimer");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("%Bulk__Schedule%", Text(trigger, "schedule"));
    }

    [Fact]
    public void The_upload_reconciliation_reads_its_schedule_from_the_intake_setting()
    {
        var trigger = Trigger("ReconcileUploads");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("%Intake__ReconcileSchedule%", Text(trigger, "schedule"));
    }

    [Fact]
    public void The_expiry_sweep_reads_its_schedule_from_the_expiry_setting()
    {
        var trigger = Trigger("ExpireStaleJobs");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("%Expiry__Schedule%", Text(trigger, "schedule"));
    }

    [Fact]
    public void Dead_lettered_archive_deletions_are_replayed_hourly()
    {
        var trigger = Trigger("ReplayArchiveDeadLetters");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("0 20 * * * *", Text(trigger, "schedule"));
    }

    [Fact]
    public void Bulk_steps_arrive_on_the_bulk_reprocess_queue_of_the_scans_storage_connection()
    {
        var trigger = Trigger("BulkReprocessStep");
        Assert.Equal("queueTrigger", Text(trigger, "type"));
        Assert.Equal("bulk-reprocess", Text(trigger, "queueName"));
        Assert.Equal("ScansStorage", Text(trigger, "connection"));
    }

    [Fact]
    public void Poisoned_bulk_steps_arrive_on_the_bulk_reprocess_poison_queue_of_the_scans_storage_connection()
    {
        var trigger = Trigger("BulkReprocessStepPoisoned");
        Assert.Equal("queueTrigger", Text(trigger, "type"));
        Assert.Equal("bulk-reprocess-poison", Text(trigger, "queueName"));
        Assert.Equal("ScansStorage", Text(trigger, "connection"));
    }

    [Fact]
    public void Archive_deletion_events_arrive_on_the_archive_deletions_queue_of_the_scans_storage_connection()
    {
        var trigger = Trigger("ArchiveSourceDeleted");
        Assert.Equal("queueTrigger", Text(trigger, "type"));
        Assert.Equal("archive-deletions", Text(trigger, "queueName"));
        Assert.Equal("ScansStorage", Text(trigger, "connection"));
    }
}
