using System.Text.RegularExpressions;
using Synomaly.Storage.Keys;

namespace Synomaly.Infra.Tests;

/// <summary>
/// Every role assignment in the deployment, as (who, role, where), must be exactly the least-privilege plan: data-plane
/// roles at the narrowest scope that works, nothing on the resource group, no administrative roles.
/// </summary>
public sealed partial class RoleAssignmentTests
{
    /// <summary>The custom roles, each named by its role name without the per-resource-group suffix.</summary>
    private const string BlobEraser = "custom:Synomaly blob eraser";

    private const string BlobWriter = "custom:Synomaly blob writer";

    private const string BlobRead = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";

    private const string BlobWrite = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";

    /// <summary>Creates a blob that does not exist yet (Put Blob, Put Block List); Storage refuses it for one that does.</summary>
    private const string BlobAdd = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action";

    private static readonly HashSet<Grant> ExpectedGrants =
    [
        // Functions app: its own host storage account (host leases, containers, queues, tables; deployment package).
        new("functions", BuiltInRoles.StorageBlobDataOwner, "host-account"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "host-account"),
        new("functions", BuiltInRoles.StorageTableDataContributor, "host-account"),
        // Functions app on the medical data: read uploads and sign write-only upload SAS (blob read and write only: no
        // role that may delete the container), sign read-only result SAS, enumerate the archive, get user delegation keys,
        // write jobs and bulk checkpoints, the blob trigger's poison queue, the bulk reprocessing step queue, the archive's
        // deletion events, and their poison queues.
        new("functions", BlobWriter, "scan-container:scans"),
        new("functions", BuiltInRoles.StorageBlobDataReader, "scan-container:results"),
        new("functions", BuiltInRoles.StorageBlobDataReader, "scan-container:archive"),
        new("functions", BuiltInRoles.StorageBlobDelegator, "scan-account"),
        new("functions", BuiltInRoles.StorageTableDataContributor, "scan-table:jobs"),
        new("functions", BuiltInRoles.StorageTableDataContributor, "scan-table:bulkruns"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "scan-queue:webjobs-blobtrigger-poison"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "scan-queue:bulk-reprocess"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "scan-queue:bulk-reprocess-poison"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "scan-queue:archive-deletions"),
        new("functions", BuiltInRoles.StorageQueueDataContributor, "scan-queue:archive-deletions-poison"),
        // Archive deletion events Event Grid could not deliver are read back and deleted (timer ReplayArchiveDeadLetters).
        new("functions", BuiltInRoles.StorageBlobDataReader, "scan-container:eventgrid-deadletter"),
        new("functions", BlobEraser, "scan-container:eventgrid-deadletter"),
        new("functions", BuiltInRoles.ServiceBusDataSender, "servicebus-queue:scan-jobs"),
        new("functions", BuiltInRoles.MonitoringMetricsPublisher, "application-insights"),
        // Functions app: erasure of a scan on request (DELETE /api/scans/{scanId}) deletes blobs and their versions.
        new("functions", BlobEraser, "scan-container:scans"),
        new("functions", BlobEraser, "scan-container:results"),
        // Functions app: the archive scan id key, read and created on first use (the container holds nothing else).
        new("functions", BlobWriter, "scan-container:keys"),
        // GPU worker.
        new("worker", BuiltInRoles.ServiceBusDataReceiver, "servicebus-queue:scan-jobs"),
        new("worker", BuiltInRoles.StorageBlobDataReader, "scan-container:scans"),
        new("worker", BuiltInRoles.StorageBlobDataReader, "scan-container:archive"),
        new("worker", BuiltInRoles.StorageBlobDataReader, "scan-container:models"),
        // The worker checks an archive job's source against its scan id with the key, which it only reads.
        new("worker", BuiltInRoles.StorageBlobDataReader, "scan-container:keys"),
        // Results are written with conditional creates (blob read and write only: no role that may delete the container).
        new("worker", BlobWriter, "scan-container:results"),
        // A worker whose job was erased or replaced while it wrote removes those results with their previous versions.
        new("worker", BlobEraser, "scan-container:results"),
        new("worker", BuiltInRoles.StorageTableDataContributor, "scan-table:jobs"),
        new("worker", BuiltInRoles.AcrPull, "registry"),
        new("worker", BuiltInRoles.MonitoringMetricsPublisher, "application-insights"),
        // KEDA reads the queue length through the management endpoint (Manage rights): one queue, scaler identity only.
        new("scaler", BuiltInRoles.ServiceBusDataOwner, "servicebus-queue:scan-jobs"),
        // Event Grid writes undeliverable events to its dead-letter container (the role Event Grid documents for it:
        // DocumentedContributor) and delivers the archive's BlobDeleted events to their queue (add messages only).
        new("eventgrid", BuiltInRoles.StorageBlobDataContributor, "scan-container:eventgrid-deadletter"),
        new("eventgrid", BuiltInRoles.StorageQueueDataMessageSender, "scan-queue:archive-deletions"),
        // The log search alert rules query the apps' telemetry.
        new("alerts", BuiltInRoles.MonitoringReader, "application-insights"),
    ];

    /// <summary>The operator (operatorPrincipalId, when set): what docs/DEPLOY.md asks of them, each at the entity it names.</summary>
    private static readonly HashSet<Grant> OperatorGrants =
    [
        // Upload models (blob read and write, no delete), read results and job records.
        new("operator", BlobWriter, "scan-container:models"),
        new("operator", BuiltInRoles.StorageBlobDataReader, "scan-container:results"),
        new("operator", BuiltInRoles.StorageTableDataReader, "scan-table:jobs"),
        // "Reviewing dead-lettered ScanJobs": peek the dead-letter sub-queue, purge it or complete one scan's messages.
        new("operator", BuiltInRoles.ServiceBusDataReceiver, "servicebus-queue:scan-jobs"),
        // Alerts, poison-messages: read a poison message and delete it (peek, get, delete; nothing added, no queue deleted).
        new("operator", BuiltInRoles.StorageQueueDataMessageProcessor, "scan-queue:webjobs-blobtrigger-poison"),
        new("operator", BuiltInRoles.StorageQueueDataMessageProcessor, "scan-queue:bulk-reprocess-poison"),
        new("operator", BuiltInRoles.StorageQueueDataMessageProcessor, "scan-queue:archive-deletions-poison"),
        // Alerts, blob-events-dead-lettered: read an event blob the replay could not read, then delete it with its versions.
        new("operator", BuiltInRoles.StorageBlobDataReader, "scan-container:eventgrid-deadletter"),
        new("operator", BlobEraser, "scan-container:eventgrid-deadletter"),
    ];

    private const string OperatorId = "5b1e9c2a-7d43-4f0e-9a6b-2c8d1e3f4a5b";

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Role_assignments_are_exactly_the_least_privilege_plan(string parameterFile)
    {
        var grants = Grants(parameterFile);

        Assert.Equal(grants.Count, grants.Distinct().Count());
        Assert.Equal(ExpectedGrants.OrderBy(g => g.ToString()), grants.OrderBy(g => g.ToString()));
    }

    [Theory]
    [InlineData("main.dev", "AZURE_PRINCIPAL_ID", "User")]
    [InlineData("main.prod", "SYNOMALY_OPERATOR_GROUP_ID", "Group")]
    public void An_operator_gets_the_data_roles_the_runbooks_need_each_on_the_entity_it_names(string parameterFile, string variable, string principalType)
    {
        // Service Bus and the scan-data account accept Entra ID only, so Owner or Contributor on the group would not let the
        // operator peek a dead letter, delete a poison message or an unreadable event blob: each needs its data role.
        var result = TemplatePrediction.Run(parameterFile, new Dictionary<string, string?>
        {
            [variable] = OperatorId,
            ["SYNOMALY_FIRST_DEPLOYMENT"] = "true",
        });
        Assert.True(result.Deployment is not null, result.Output);
        var grants = Grants(result.Deployment);
        var operatorAssignments = result.Deployment.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => a.String("properties.principalId") == OperatorId).ToList();

        Assert.Equal(grants.Count, grants.Distinct().Count());
        Assert.Equal(ExpectedGrants.Concat(OperatorGrants).OrderBy(g => g.ToString()), grants.OrderBy(g => g.ToString()));
        Assert.All(operatorAssignments, a =>
        {
            Assert.Equal(principalType, a.String("properties.principalType"));
            Assert.DoesNotContain(RoleId(a), BuiltInRoles.Administrative);
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void No_identity_gets_an_administrative_role_or_a_resource_group_scope(string parameterFile)
    {
        var assignments = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Authorization/roleAssignments");

        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            Assert.DoesNotContain(RoleId(assignment), BuiltInRoles.Administrative);
            Assert.Contains("/providers/Microsoft.", Scope(assignment), StringComparison.Ordinal);
            Assert.Equal("ServicePrincipal", assignment.String("properties.principalType"));
            Assert.False(string.IsNullOrWhiteSpace(assignment.String("properties.description")));
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Owner_level_data_roles_never_reach_the_medical_data(string parameterFile)
    {
        var grants = Grants(parameterFile);

        Assert.All(grants.Where(g => g.Role == BuiltInRoles.StorageBlobDataOwner), g => Assert.Equal("host-account", g.Scope));
        Assert.All(grants.Where(g => g.Role == BuiltInRoles.ServiceBusDataOwner), g => Assert.Equal(("scaler", "servicebus-queue:scan-jobs"), (g.Principal, g.Scope)));
        Assert.DoesNotContain(grants, g => g.Scope == "scan-account" && g.Role != BuiltInRoles.StorageBlobDelegator);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Role_assignment_names_are_stable_guids(string parameterFile)
    {
        var assignments = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Authorization/roleAssignments");

        // guid(scope, identity, role) is deterministic: a redeploy updates the same assignments instead of failing.
        Assert.All(assignments, a => Assert.True(Guid.TryParse(a.Name, out _), $"{a.Name} is not a literal GUID."));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_custom_eraser_role_may_only_delete_blobs_and_their_versions_in_this_resource_group(string parameterFile)
    {
        var role = CustomRole(PredictedDeployment.Load(parameterFile), BlobEraser);
        var permission = Assert.Single(role.At("properties.permissions").EnumerateArray());

        Assert.Equal("CustomRole", role.String("properties.type"));
        Assert.Equal(
            ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action"],
            permission.GetProperty("dataActions").EnumerateArray().Select(a => a.GetString()).Order());
        Assert.Empty(permission.GetProperty("actions").EnumerateArray());
        var scope = Assert.Single(role.At("properties.assignableScopes").EnumerateArray()).GetString()!;
        Assert.Matches("^/subscriptions/[^/]+/resourceGroups/[^/]+$", scope);
    }

    /// <summary>
    /// The archive scan id key may not be replaced: a new key changes every archive scan id. The Functions app reads the
    /// key and its marker and creates them (If-None-Match: *); Storage Blob Data Contributor would also let it delete them,
    /// and delete the container itself through Azure Resource Manager. Its role there holds exactly blob read, add and
    /// write (write taken away from the key and its marker by the assignment's condition: the test below), no
    /// control-plane action but reading the container's properties, and nobody but the two apps has any role on the container.
    /// </summary>
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_archive_scan_id_key_container_grants_no_delete_and_no_one_but_the_apps(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var onKeys = Grants(deployment).Where(g => g.Scope == "scan-container:keys").OrderBy(g => g.ToString()).ToList();

        Assert.Equal(
            [new("functions", BlobWriter, "scan-container:keys"), new("worker", BuiltInRoles.StorageBlobDataReader, "scan-container:keys")],
            onKeys);
        var role = CustomRole(deployment, BlobWriter);
        var permission = Assert.Single(role.At("properties.permissions").EnumerateArray());
        Assert.Equal("CustomRole", role.String("properties.type"));
        Assert.Equal([BlobAdd, BlobRead, BlobWrite], permission.GetProperty("dataActions").EnumerateArray().Select(a => a.GetString()).Order(StringComparer.Ordinal));
        // Reading the container's properties is its only control-plane action (Each_identity_that_reads_a_container_may_read_its_properties).
        Assert.Equal(["Microsoft.Storage/storageAccounts/blobServices/containers/read"], permission.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.DoesNotContain("delete", role.At("properties.permissions").GetRawText(), StringComparison.OrdinalIgnoreCase);
        var scope = Assert.Single(role.At("properties.assignableScopes").EnumerateArray()).GetString()!;
        Assert.Matches("^/subscriptions/[^/]+/resourceGroups/[^/]+$", scope);
    }

    /// <summary>
    /// Blob write also overwrites: with it unconditioned on `keys`, whoever takes over the Functions identity (the writer
    /// of uploads) could replace the archive scan id key, and every archive scan id would change. Creating a blob needs
    /// only blobs/add/action, which Storage refuses for a blob that exists. So every assignment on the key's container
    /// whose role may write blobs carries an ABAC condition that refuses blob write on the key and its marker, and its
    /// role keeps add/action, with which the app creates both on first use (If-None-Match: *).
    /// </summary>
    [Theory]
    [InlineData("main.dev", "AZURE_PRINCIPAL_ID")]
    [InlineData("main.prod", "SYNOMALY_OPERATOR_GROUP_ID")]
    public void No_role_on_the_key_container_may_overwrite_the_archive_scan_id_key_or_its_marker(string parameterFile, string operatorVariable)
    {
        var deployment = DeploymentWithOperator(parameterFile, operatorVariable);
        var writersOnKeys = deployment.OfType("Microsoft.Authorization/roleAssignments")
            .Where(a => ScopeLabel(Scope(a)) == "scan-container:" + ArchiveScanIdKeyStore.ContainerName)
            .Where(a => RoleDataActions(deployment, a).Contains(BlobWrite))
            .ToList();

        var writer = Assert.Single(writersOnKeys);
        Assert.Equal("functions", Principal(writer));
        Assert.True(writer.Has("properties.condition"), "The Functions app's blob writer role on 'keys' has no condition: it may overwrite the key.");
        Assert.Equal("2.0", writer.String("properties.conditionVersion"));
        Assert.Equal(KeyBlobsNeverOverwritten, string.Join(' ', writer.String("properties.condition").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains(BlobAdd, RoleDataActions(deployment, writer));
    }

    /// <summary>Blob write (which also overwrites) refused on the key and its marker; blob read and add (create) untouched.</summary>
    private static readonly string KeyBlobsNeverOverwritten =
        $"( ( !(ActionMatches{{'{BlobWrite}'}}) ) OR ( "
        + $"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringNotEquals '{ArchiveScanIdKeyStore.BlobName}' AND "
        + $"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringNotEquals '{ArchiveScanIdKeyStore.MarkerBlobName}' ) )";

    private static IReadOnlyList<string> RoleDataActions(PredictedDeployment deployment, PredictedResource assignment)
    {
        var customRoles = deployment.OfType("Microsoft.Authorization/roleDefinitions").ToDictionary(r => r.Name, CustomRoleLabel);
        return Permissions(deployment, customRoles.GetValueOrDefault(RoleId(assignment), RoleId(assignment))).DataActions;
    }

    /// <summary>The custom role whose name, without its per-resource-group suffix, is <paramref name="label"/>.</summary>
    private static PredictedResource CustomRole(PredictedDeployment deployment, string label) =>
        Assert.Single(deployment.OfType("Microsoft.Authorization/roleDefinitions"), r => CustomRoleLabel(r) == label);

    private static string CustomRoleLabel(PredictedResource role) => "custom:" + string.Join(' ', role.String("properties.roleName").Split(' ')[..^1]);

    private static List<Grant> Grants(string parameterFile) => Grants(PredictedDeployment.Load(parameterFile));

    private static List<Grant> Grants(PredictedDeployment deployment)
    {
        var customRoles = deployment.OfType("Microsoft.Authorization/roleDefinitions").ToDictionary(r => r.Name, CustomRoleLabel);
        return [.. deployment.OfType("Microsoft.Authorization/roleAssignments")
            .Select(a => new Grant(Principal(a), customRoles.GetValueOrDefault(RoleId(a), RoleId(a)), ScopeLabel(Scope(a))))];
    }

    private static string RoleId(PredictedResource assignment) => assignment.String("properties.roleDefinitionId").Split('/')[^1];

    private static string Scope(PredictedResource assignment)
    {
        var id = assignment.Id;
        return id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];
    }

    private static string Principal(PredictedResource assignment)
    {
        var principal = assignment.String("properties.principalId");
        return principal switch
        {
            _ when principal.Contains("/userAssignedIdentities/id-func-", StringComparison.Ordinal) => "functions",
            _ when principal.Contains("/userAssignedIdentities/id-worker-", StringComparison.Ordinal) => "worker",
            _ when principal.Contains("/userAssignedIdentities/id-scaler-", StringComparison.Ordinal) => "scaler",
            _ when principal.Contains("/userAssignedIdentities/id-alerts-", StringComparison.Ordinal) => "alerts",
            _ when principal.Contains("/Microsoft.EventGrid/systemTopics/", StringComparison.Ordinal) => "eventgrid",
            OperatorId => "operator",
            _ => $"unknown principal {principal}",
        };
    }

    private static string ScopeLabel(string scope)
    {
        var match = ScopePattern().Match(scope);
        Assert.True(match.Success, $"Unexpected role assignment scope {scope}");
        var provider = match.Groups["provider"].Value;
        var name = match.Groups["name"].Value;
        var child = match.Groups["child"].Value;
        return (provider, child) switch
        {
            ("Microsoft.Storage/storageAccounts", "") => name.StartsWith("stscan", StringComparison.Ordinal) ? "scan-account" : "host-account",
            ("Microsoft.Storage/storageAccounts", _) when name.StartsWith("stscan", StringComparison.Ordinal) => StorageChild(child),
            ("Microsoft.ServiceBus/namespaces", _) when child.StartsWith("/queues/", StringComparison.Ordinal) => "servicebus-queue:" + child["/queues/".Length..],
            ("Microsoft.ContainerRegistry/registries", "") => "registry",
            ("Microsoft.Insights/components", "") => "application-insights",
            _ => $"unexpected {scope}",
        };
    }

    private static string StorageChild(string child) => child.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
    {
        ["blobServices", "default", "containers", var container] => "scan-container:" + container,
        ["tableServices", "default", "tables", var table] => "scan-table:" + table,
        ["queueServices", "default", "queues", var queue] => "scan-queue:" + queue,
        _ => "unexpected scan child " + child,
    };

    [GeneratedRegex("^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/(?<provider>[^/]+/[^/]+)/(?<name>[^/]+)(?<child>.*)$")]
    private static partial Regex ScopePattern();

    private sealed record Grant(string Principal, string Role, string Scope)
    {
        public override string ToString() => $"{Principal} {Role} {Scope}";
    }
}
