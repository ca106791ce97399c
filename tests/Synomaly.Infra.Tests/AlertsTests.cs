using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// Every path on which the system sets work aside or keeps failing raises an alert, on the resource that shows it, and the
/// log alerts look for messages the apps (or the Functions host) really write.
/// </summary>
public sealed partial class AlertsTests
{
    /// <summary>Alert name, and the resource type (metric alerts) or table (log alerts) it watches.</summary>
    private static readonly Dictionary<string, string> ExpectedAlerts = new()
    {
        ["scan-jobs-dead-lettered"] = "Microsoft.ServiceBus/namespaces",
        ["scan-jobs-backlog"] = "Microsoft.ServiceBus/namespaces",
        ["blob-events-dead-lettered"] = "Microsoft.EventGrid/systemTopics",
        ["blob-events-dropped"] = "Microsoft.EventGrid/systemTopics",
        ["worker-restarts"] = "Microsoft.App/containerApps",
        ["storage-queues-backlog"] = "Microsoft.Storage/storageAccounts/queueServices",
        ["jobs-expired"] = "traces",
        ["jobs-gave-up"] = "traces",
        ["worker-faults"] = "traces",
        ["worker-cannot-receive"] = "traces",
        ["poison-messages"] = "traces",
        ["storage-table-missing"] = "traces",
        ["api-server-errors"] = "requests",
        ["timer-runs-failed"] = "requests",
    };

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Each_failure_path_has_an_enabled_alert_on_the_resource_that_shows_it(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var metricAlerts = deployment.OfType("Microsoft.Insights/metricAlerts");
        var logAlerts = deployment.OfType("Microsoft.Insights/scheduledQueryRules");

        var watched = metricAlerts.ToDictionary(AlertName, a => ScopeType(Assert.Single(a.At("properties.scopes").EnumerateArray()).GetString()!))
            .Concat(logAlerts.ToDictionary(AlertName, a => Query(a).Split(' ')[0]));

        Assert.Equal(ExpectedAlerts.OrderBy(e => e.Key), watched.OrderBy(e => e.Key));
        Assert.All(metricAlerts.Concat(logAlerts), a =>
        {
            Assert.True(a.Bool("properties.enabled"));
            Assert.True(a.Bool("properties.autoMitigate"));
            Assert.False(string.IsNullOrWhiteSpace(a.String("properties.description")));
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_dead_letter_alert_watches_the_scan_job_queue_and_metric_alerts_use_the_namespace_of_their_resource(string parameterFile)
    {
        var metricAlerts = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Insights/metricAlerts");
        var deadLetters = Assert.Single(metricAlerts, a => AlertName(a) == "scan-jobs-dead-lettered");
        var criterion = Assert.Single(deadLetters.At("properties.criteria.allOf").EnumerateArray());
        var dimension = Assert.Single(criterion.GetProperty("dimensions").EnumerateArray());

        Assert.Equal("DeadletteredMessages", criterion.GetProperty("metricName").GetString());
        Assert.Equal(("EntityName", "Include", "scan-jobs"), (dimension.GetProperty("name").GetString(), dimension.GetProperty("operator").GetString(), Assert.Single(dimension.GetProperty("values").EnumerateArray()).GetString()));
        Assert.All(metricAlerts, a => Assert.All(a.At("properties.criteria.allOf").EnumerateArray(), c =>
            Assert.Equal(ScopeType(a.At("properties.scopes")[0].GetString()!), c.GetProperty("metricNamespace").GetString())));
    }

    /// <summary>
    /// A worker pool that is down, a KEDA rule that does not scale or a spent GPU quota leaves ScanJobs waiting with no
    /// error anywhere: only the queue shows it. The rule reads the smallest active count over an hour, so a burst of
    /// uploads that the pool drains within the hour never fires it, and its threshold lies above the backlog at which
    /// KEDA already runs every replica, so a queue the pool is merely working through does not count as stuck.
    /// </summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_backlog_alert_fires_on_active_scan_jobs_that_stay_above_what_the_whole_pool_absorbs_for_an_hour(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var backlog = Assert.Single(deployment.OfType("Microsoft.Insights/metricAlerts"), a => AlertName(a) == "scan-jobs-backlog");
        var criterion = Assert.Single(backlog.At("properties.criteria.allOf").EnumerateArray());
        var dimension = Assert.Single(criterion.GetProperty("dimensions").EnumerateArray());
        var scale = deployment.Single("Microsoft.App/containerApps").At("properties.template.scale");
        var messagesPerReplica = int.Parse(Assert.Single(scale.GetProperty("rules").EnumerateArray()).GetProperty("custom").GetProperty("metadata").GetProperty("messageCount").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var allReplicasBusy = messagesPerReplica * scale.GetProperty("maxReplicas").GetInt32();

        Assert.Equal(("ActiveMessages", "Minimum", "GreaterThan"), (criterion.GetProperty("metricName").GetString(), criterion.GetProperty("timeAggregation").GetString(), criterion.GetProperty("operator").GetString()));
        Assert.Equal(("EntityName", "Include", "scan-jobs"), (dimension.GetProperty("name").GetString(), dimension.GetProperty("operator").GetString(), Assert.Single(dimension.GetProperty("values").EnumerateArray()).GetString()));
        Assert.Equal("PT1H", backlog.String("properties.windowSize"));
        Assert.True(criterion.GetProperty("threshold").GetInt32() >= allReplicasBusy,
            $"The backlog threshold {criterion.GetProperty("threshold").GetInt32()} is below {allReplicasBusy}, the queue at which KEDA runs every replica.");
        Assert.Equal(2, backlog.At("properties.severity").GetInt32());
    }

    /// <summary>
    /// Nothing fails when the Functions app stops taking messages from its Storage queues: an archive deletion that waits
    /// on archive-deletions is patient data that is not erased. Storage reports only QueueMessageCount, for the whole
    /// account (no per-queue dimension), as a capacity metric about once an hour and with Average as its one aggregation:
    /// so the rule averages it over six hours (several hourly points; a shorter window holds one point, a burst) and is
    /// evaluated hourly, since a more frequent evaluation would see no new data.
    /// </summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_storage_queue_backlog_alert_watches_the_scan_data_account_s_queue_message_count_hourly(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var scanAccount = deployment.Single("Microsoft.Storage/storageAccounts", "stscan");
        var backlog = Assert.Single(deployment.OfType("Microsoft.Insights/metricAlerts"), a => AlertName(a) == "storage-queues-backlog");
        var criterion = Assert.Single(backlog.At("properties.criteria.allOf").EnumerateArray());
        var description = backlog.String("properties.description");

        Assert.Equal(scanAccount.Id + "/queueServices/default", Assert.Single(backlog.At("properties.scopes").EnumerateArray()).GetString());
        Assert.Equal(
            ("Microsoft.Storage/storageAccounts/queueServices", "QueueMessageCount", "Average", "GreaterThan"),
            (criterion.GetProperty("metricNamespace").GetString(), criterion.GetProperty("metricName").GetString(), criterion.GetProperty("timeAggregation").GetString(), criterion.GetProperty("operator").GetString()));
        Assert.Empty(criterion.GetProperty("dimensions").EnumerateArray());
        Assert.Equal(("PT1H", "PT6H"), (backlog.String("properties.evaluationFrequency"), backlog.String("properties.windowSize")));
        Assert.InRange(criterion.GetProperty("threshold").GetDouble(), 0, 10);
        Assert.Equal(2, backlog.At("properties.severity").GetInt32());
        Assert.All(
            ["archive-deletions", "bulk-reprocess", "-poison", "ReplayArchiveDeadLetters"],
            name => Assert.Contains(name, description, StringComparison.Ordinal));
        // BulkReprocessStepPoisoned empties bulk-reprocess-poison at once: the rule sent the operator to peek a queue it
        // said keeps messages until deleted, and found it empty.
        Assert.Contains("BulkReprocessStepPoisoned", description, StringComparison.Ordinal);
    }

    /// <summary>
    /// What the storage-queues-backlog rule cannot tell apart, said in the alert the operator receives: Storage counts the
    /// account's queues together (no metric or dimension per queue exists), so a queue that stops draining with as many
    /// messages as the threshold, or fewer, is never reported, and as many bulk runs at once as one more than the threshold
    /// (each keeps one step message for hours, and nothing refuses another run) fire it with nothing stuck. Both follow
    /// the deployed threshold, so the text must name its value, not the default's.
    /// </summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_storage_queue_backlog_alert_names_the_stalls_it_misses_and_the_bulk_runs_that_fire_it(string parameterFile)
    {
        var backlog = Assert.Single(PredictedDeployment.Load(parameterFile).OfType("Microsoft.Insights/metricAlerts"), a => AlertName(a) == "storage-queues-backlog");
        var threshold = Assert.Single(backlog.At("properties.criteria.allOf").EnumerateArray()).GetProperty("threshold").GetInt32();
        var description = backlog.String("properties.description");

        Assert.Contains($"a queue that stops draining with {threshold} messages or fewer is not reported", description, StringComparison.Ordinal);
        Assert.Contains($"{threshold + 1} or more bulk runs at once", description, StringComparison.Ordinal);
    }

    /// <summary>Azure Monitor accepts only these evaluation frequencies and windows, and no window shorter than its frequency.</summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Metric_alerts_use_an_evaluation_frequency_and_window_azure_monitor_accepts(string parameterFile)
    {
        string[] frequencies = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"];
        string[] windows = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D"];

        Assert.All(PredictedDeployment.Load(parameterFile).OfType("Microsoft.Insights/metricAlerts"), a =>
        {
            var frequency = a.String("properties.evaluationFrequency");
            var window = a.String("properties.windowSize");
            Assert.Contains(frequency, frequencies);
            Assert.Contains(window, windows);
            Assert.True(System.Xml.XmlConvert.ToTimeSpan(window) >= System.Xml.XmlConvert.ToTimeSpan(frequency), $"{a.Name}: window {window} is shorter than its evaluation frequency {frequency}.");
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Log_alerts_query_application_insights_with_the_alerts_identity(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var applicationInsights = deployment.Single("Microsoft.Insights/components");

        Assert.All(deployment.OfType("Microsoft.Insights/scheduledQueryRules"), rule =>
        {
            Assert.Equal(applicationInsights.Id, Assert.Single(rule.At("properties.scopes").EnumerateArray()).GetString());
            Assert.Equal("UserAssigned", rule.String("identity.type"));
            var identity = Assert.Single(rule.At("identity.userAssignedIdentities").EnumerateObject()).Name;
            Assert.Contains("/userAssignedIdentities/id-alerts-", identity, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// A log alert that looks for a message nobody writes never fires: each phrase must be in one of the apps' log
    /// templates or, for the poison-queue message, in the WebJobs queue extension that the Functions host runs.
    /// </summary>
    [Fact]
    public void Every_phrase_a_log_alert_looks_for_is_written_by_the_apps_or_the_functions_host()
    {
        var templates = LogTemplates(LoggerMessageTemplate()).ToList();
        // The host-side extension the Functions build ships for the host to load (.azurefunctions beside the app).
        var queueExtension = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(InfraFiles.FunctionsAssembly)!, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.Storage.Queues.dll"));
        var phrases = PredictedDeployment.Load(InfraFiles.ParameterFiles[0]).OfType("Microsoft.Insights/scheduledQueryRules")
            .SelectMany(r => PhraseInQuery().Matches(Query(r)).Select(m => m.Groups["phrase"].Value))
            .ToList();

        Assert.True(phrases.Count >= 5, $"only {phrases.Count} phrases");
        Assert.All(phrases, phrase => Assert.True(
            templates.Any(t => t.Contains(phrase, StringComparison.Ordinal)) || Contains(queueExtension, Encoding.Unicode.GetBytes(phrase)),
            $"No log template writes \"{phrase}\"."));
    }

    /// <summary>
    /// A missing jobs or bulkruns table no longer sends anything to a poison queue or fails a run: each function logs one
    /// Error and goes on. Every such Error must carry the phrase the storage-table-missing rule looks for, so that a new
    /// one cannot go unalerted.
    /// </summary>
    [Fact]
    public void Every_missing_table_error_raises_the_storage_table_missing_alert()
    {
        var rule = Assert.Single(PredictedDeployment.Load(InfraFiles.ParameterFiles[0]).OfType("Microsoft.Insights/scheduledQueryRules"),
            r => AlertName(r) == "storage-table-missing");
        var phrase = Assert.Single(PhraseInQuery().Matches(Query(rule))).Groups["phrase"].Value;
        var missingTableErrors = LogTemplates(ErrorLoggerMessageTemplate()).Where(t => MissingTableWording().IsMatch(t)).ToList();

        Assert.True(missingTableErrors.Count >= 6, $"only {missingTableErrors.Count} missing-table Errors found");
        Assert.All(missingTableErrors, t => Assert.Contains(phrase, t, StringComparison.Ordinal));
        Assert.Equal(1, rule.At("properties.severity").GetInt32());
        Assert.Equal(0, Assert.Single(rule.At("properties.criteria.allOf").EnumerateArray()).GetProperty("threshold").GetInt32());
    }

    [Fact]
    public void Every_timer_function_s_failed_runs_raise_an_alert()
    {
        // A timer has no poison queue and no retry: a sweep that fails on every run (expiry, upload reconciliation, the
        // dead-letter replay, nightly reprocessing) would otherwise go unnoticed. The Functions host records each run as a
        // request named after the function, success false when it threw; a new timer the alert does not name fails here.
        var timers = FunctionTriggers.Read(InfraFiles.FunctionsAssembly, "TimerTriggerAttribute");
        var rules = PredictedDeployment.Load(InfraFiles.ParameterFiles[0]).OfType("Microsoft.Insights/scheduledQueryRules");
        var rule = Assert.Single(rules, r => AlertName(r) == "timer-runs-failed");
        var query = Query(rule);
        var names = OperationNameList().Match(query);

        Assert.Subset(timers.ToHashSet(), new HashSet<string> { "ExpireStaleJobs", "ReconcileUploads", "ReplayArchiveDeadLetters", "BulkReprocessTimer" });
        Assert.StartsWith("requests | where success == false and ", query, StringComparison.Ordinal);
        Assert.True(names.Success, $"The query names no functions: {query}");
        Assert.Equal(timers.Order(StringComparer.Ordinal), QuotedName().Matches(names.Groups["names"].Value).Select(m => m.Groups["name"].Value).Order(StringComparer.Ordinal));
        Assert.Equal(2, rule.At("properties.severity").GetInt32());
        Assert.Equal(0, Assert.Single(rule.At("properties.criteria.allOf").EnumerateArray()).GetProperty("threshold").GetInt32());
    }

    [Fact]
    public void The_poison_message_alert_states_the_attempts_host_json_allows_before_a_poison_queue()
    {
        // Whoever answers the alert reads how often the message was tried; host.json decides it, not the alert's text.
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "host.json")));
        var extensions = host.RootElement.GetProperty("extensions");
        var queueAttempts = extensions.GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
        var blobAttempts = extensions.GetProperty("blobs").GetProperty("poisonBlobThreshold").GetInt32();
        var alert = Assert.Single(PredictedDeployment.Load(InfraFiles.ParameterFiles[0]).OfType("Microsoft.Insights/scheduledQueryRules"),
            r => AlertName(r) == "poison-messages");
        var description = alert.String("properties.description");

        Assert.Contains($"a queue trigger {queueAttempts} times", description, StringComparison.Ordinal);
        Assert.Contains($"the blob trigger {blobAttempts} times", description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_action_group_exists_only_with_e_mail_addresses_and_every_alert_sends_to_it_then()
    {
        using var template = InfraFiles.CompiledTemplate();
        var module = template.RootElement.GetProperty("resources").GetProperty("alerts").GetProperty("properties").GetProperty("template");
        var resources = module.GetProperty("resources");
        var actionGroup = resources.GetProperty("actionGroup");
        string Actions(string alerts) => resources.GetProperty(alerts).GetProperty("properties").GetProperty("actions").GetRawText();

        Assert.Equal("[not(empty(parameters('emailAddresses')))]", actionGroup.GetProperty("condition").GetString());
        Assert.Contains("parameters('emailAddresses')", actionGroup.GetProperty("properties").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/actionGroups", module.GetProperty("variables").GetProperty("actions").GetRawText(), StringComparison.Ordinal);
        Assert.Equal("\"[variables('actions')]\"", Actions("metricAlerts"));
        Assert.Contains("Microsoft.Insights/actionGroups", Actions("logAlerts"), StringComparison.Ordinal);
        foreach (var parameterFile in InfraFiles.ParameterFiles)
        {
            Assert.Empty(PredictedDeployment.Load(parameterFile).OfType("Microsoft.Insights/actionGroups")); // no addresses in the test environment
        }
    }

    private static string AlertName(PredictedResource alert) => AlertNamePattern().Match(alert.Name) is { Success: true } m
        ? m.Groups["name"].Value
        : throw new Xunit.Sdk.XunitException($"Unexpected alert name {alert.Name}");

    /// <summary>The message text of every log template in the apps' sources that <paramref name="template"/> matches.</summary>
    private static IEnumerable<string> LogTemplates(Regex template) =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => template.Matches(File.ReadAllText(f)).Select(m => m.Groups["text"].Value));

    private static string Query(PredictedResource rule) => Assert.Single(rule.At("properties.criteria.allOf").EnumerateArray()).GetProperty("query").GetString()!;

    /// <summary>The resource type of an id, child types included (.../storageAccounts/x/queueServices/default: Microsoft.Storage/storageAccounts/queueServices).</summary>
    private static string ScopeType(string resourceId)
    {
        var parts = resourceId.Split("/providers/")[^1].Split('/');
        return string.Join('/', parts.Where((_, i) => i == 0 || i % 2 == 1));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [GeneratedRegex("^alert-(?<name>[a-z-]+)-[a-z0-9]{13}$")]
    private static partial Regex AlertNamePattern();

    [GeneratedRegex("has \"(?<phrase>[^\"]+)\"")]
    private static partial Regex PhraseInQuery();

    [GeneratedRegex(@"operation_Name in \((?<names>[^)]*)\)")]
    private static partial Regex OperationNameList();

    [GeneratedRegex("\"(?<name>[^\"]+)\"")]
    private static partial Regex QuotedName();

    [GeneratedRegex("LoggerMessage\\([^)]*Message = \"(?<text>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LoggerMessageTemplate();

    [GeneratedRegex("LoggerMessage\\(Level = LogLevel\\.Error[^)]*Message = \"(?<text>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex ErrorLoggerMessageTemplate();

    /// <summary>An Error about a table that is not there: "the job table '...' does not exist", "the table '...' that keeps its place does not exist".</summary>
    [GeneratedRegex("table '\\{TableName\\}'[^.]*does not exist")]
    private static partial Regex MissingTableWording();
}
