using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>The scan-data account holds what the apps expect, keeps deletions recoverable and ages out old results.</summary>
public sealed class ScanDataStorageTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Scan_data_account_has_the_containers_and_tables_of_the_blob_layout(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var containers = deployment.OfType("Microsoft.Storage/storageAccounts/blobServices/containers")
            .Where(c => c.Name.StartsWith("stscan", StringComparison.Ordinal)).Select(c => c.Name.Split('/')[^1]).ToList();
        var tables = deployment.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(t => t.Name.Split('/')[^1]).ToList();

        Assert.Subset(containers.ToHashSet(), new HashSet<string>
        {
            BlobLayout.ScansContainer, BlobLayout.ResultsContainer, BlobLayout.ArchiveContainer, BlobLayout.ModelsContainer,
        });
        Assert.Equal(["bulkruns", BlobLayout.JobsTable], tables.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Scan_data_keeps_versions_and_soft_deleted_blobs_and_containers(string parameterFile)
    {
        var blobService = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/blobServices", "stscan");

        Assert.True(blobService.Bool("properties.isVersioningEnabled"));
        Assert.True(blobService.Bool("properties.deleteRetentionPolicy.enabled"));
        Assert.True(blobService.At("properties.deleteRetentionPolicy.days").GetInt32() >= 7);
        Assert.True(blobService.Bool("properties.containerDeleteRetentionPolicy.enabled"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Old_results_move_to_cool_storage_and_are_deleted_later(string parameterFile)
    {
        var policy = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/managementPolicies", "stscan");
        var rules = policy.At("properties.policy.rules").EnumerateArray().ToList();
        var results = Assert.Single(rules, r => r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out var prefixes)
            && prefixes.EnumerateArray().Any(p => p.GetString() == BlobLayout.ResultsContainer + "/"));
        var baseBlob = results.GetProperty("definition").GetProperty("actions").GetProperty("baseBlob");
        var coolAfter = baseBlob.GetProperty("tierToCool").GetProperty("daysAfterModificationGreaterThan").GetInt32();
        var deleteAfter = baseBlob.GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetInt32();

        Assert.True(results.GetProperty("enabled").GetBoolean());
        Assert.InRange(coolAfter, 1, deleteAfter - 1);
        Assert.Contains(rules, r => r.GetProperty("definition").GetProperty("actions").TryGetProperty("version", out _));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Uploads_are_deleted_after_their_retention_and_never_before_their_job_can_have_run_but_the_archive_is_kept(string parameterFile)
    {
        var policy = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/managementPolicies", "stscan");
        var rules = policy.At("properties.policy.rules").EnumerateArray().ToList();
        var prefixes = rules.SelectMany(r => r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out var p)
            ? p.EnumerateArray().Select(e => e.GetString()) : []).ToList();
        var uploads = Assert.Single(rules, r => r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out var p)
            && p.EnumerateArray().Any(e => e.GetString() == BlobLayout.ScansContainer + "/"));
        var deleteAfter = uploads.GetProperty("definition").GetProperty("actions").GetProperty("baseBlob")
            .GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetInt32();
        var timeToLiveHours = int.Parse(FunctionsSetting(parameterFile, "Expiry__MessageTimeToLiveHours"), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(uploads.GetProperty("enabled").GetBoolean());
        // A job may be queued up to the reconciliation's 48-hour lookback after its upload, then wait its time to live.
        Assert.True(deleteAfter * 24 > timeToLiveHours + 48, $"uploads deleted after {deleteAfter} days, jobs live {timeToLiveHours} h");
        Assert.DoesNotContain(prefixes, p => p!.StartsWith(BlobLayout.ArchiveContainer + "/", StringComparison.Ordinal));
        Assert.DoesNotContain(prefixes, p => p!.StartsWith(BlobLayout.ModelsContainer + "/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3, 336, true)]
    [InlineData(4, 48, true)]
    [InlineData(5, 48, false)]
    [InlineData(17, 336, false)]
    public void An_upload_retention_that_does_not_outlast_a_job_by_two_days_is_refused_naming_both_parameters(int uploadsDeleteAfterDays, int jobTimeToLiveHours, bool refused)
    {
        // Uploads kept no longer than the time to live plus the reconciliation's lookback: a queued job meets SourceMissing
        // and an Expired job cannot be retried.
        var parameters = $"""
            using 'main.bicep'
            param environmentName = 'test'
            param modelVersion = 'v1'
            param firstDeployment = true
            param uploadsDeleteAfterDays = {uploadsDeleteAfterDays}
            param jobTimeToLiveHours = {jobTimeToLiveHours}
            """;

        var result = TemplatePrediction.Run("main.retention", new Dictionary<string, string?>(), parameters);

        if (refused)
        {
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains($"uploadsDeleteAfterDays ({uploadsDeleteAfterDays} days) must be more than jobTimeToLiveHours ({jobTimeToLiveHours} hours) + 48 hours", result.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(result.Deployment is not null, result.Output);
        }
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Append_blob_uploads_and_previous_versions_age_out_like_block_blobs(string parameterFile)
    {
        // An upload URL can create an append blob as well as a block blob; neither may outlive the upload retention.
        var policy = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/managementPolicies", "stscan");
        var rules = policy.At("properties.policy.rules").EnumerateArray().ToList();
        var uploads = Assert.Single(rules, r => r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out var p)
            && p.EnumerateArray().Any(e => e.GetString() == BlobLayout.ScansContainer + "/"));
        // The account-wide rule: no prefix filter, a version action.
        var versions = Assert.Single(rules, r => !r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out _)
            && r.GetProperty("definition").GetProperty("actions").TryGetProperty("version", out _));

        Assert.Equal(["appendBlob", "blockBlob"], BlobTypes(uploads));
        Assert.Equal(["appendBlob", "blockBlob"], BlobTypes(versions));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Snapshots_of_uploads_and_results_are_deleted_when_their_base_blobs_would_be(string parameterFile)
    {
        // The upload URL (sp=cw) lets its holder snapshot the upload; base-blob and version actions never touch a snapshot.
        AssertDeletedWithBaseBlobs(parameterFile, "snapshot");
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Previous_versions_of_uploads_and_results_are_deleted_when_their_base_blobs_would_be(string parameterFile)
    {
        // Versioning is on, so the rule's own delete of a base blob keeps its data as a previous version; without a version
        // action on the same day count it would stay readable until the account-wide version rule (30 days).
        AssertDeletedWithBaseBlobs(parameterFile, "version");
    }

    /// <summary>The uploads and results rules delete <paramref name="kind"/> ("snapshot", "version") on their base blobs' day count.</summary>
    private static void AssertDeletedWithBaseBlobs(string parameterFile, string kind)
    {
        var policy = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/managementPolicies", "stscan");
        var rules = policy.At("properties.policy.rules").EnumerateArray().ToList();

        foreach (var container in new[] { BlobLayout.ScansContainer, BlobLayout.ResultsContainer })
        {
            var rule = Assert.Single(rules, r => r.GetProperty("definition").GetProperty("filters").TryGetProperty("prefixMatch", out var p)
                && p.EnumerateArray().Any(e => e.GetString() == container + "/"));
            var actions = rule.GetProperty("definition").GetProperty("actions");
            Assert.True(actions.TryGetProperty(kind, out var action), $"the {container} rule has no {kind} action");
            Assert.Equal(
                actions.GetProperty("baseBlob").GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetInt32(),
                action.GetProperty("delete").GetProperty("daysAfterCreationGreaterThan").GetInt32());
        }
    }

    private static string FunctionsSetting(string parameterFile, string name) =>
        PredictedDeployment.Load(parameterFile).OfType("Microsoft.Web/sites/config")
            .Single(c => c.Name.EndsWith("/appsettings", StringComparison.Ordinal)).Properties.GetProperty(name).GetString()!;

    private static List<string?> BlobTypes(System.Text.Json.JsonElement rule) =>
        [.. rule.GetProperty("definition").GetProperty("filters").GetProperty("blobTypes").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Medical_data_and_the_functions_host_live_in_separate_accounts(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var site = deployment.Single("Microsoft.Web/sites");
        var deploymentStorage = site.String("properties.functionAppConfig.deployment.storage.value");
        var settings = deployment.Single("Microsoft.Web/sites/config").Properties;

        Assert.Contains("stfunc", deploymentStorage, StringComparison.Ordinal);
        Assert.Contains("storageAccounts/stfunc", settings.GetProperty("AzureWebJobsStorage__blobServiceUri").GetString(), StringComparison.Ordinal);
        Assert.Contains("storageAccounts/stscan", settings.GetProperty("ScansStorage__blobServiceUri").GetString(), StringComparison.Ordinal);
    }
}
