namespace Synomaly.Infra.Tests;

/// <summary>
/// The roles on the scan-data account's blob containers, by what they let an identity do: each keeps the data actions its
/// code paths need, and none may manage the container through Azure Resource Manager. Storage Blob Data Contributor
/// carries containers/write and containers/delete, so an identity holding it on a container (or whoever takes it over)
/// can delete the whole container, every scan or result in it, with one ARM call that no data-plane setting stops.
/// </summary>
public sealed partial class RoleAssignmentTests
{
    private const string ContainerRead = "Microsoft.Storage/storageAccounts/blobServices/containers/read";

    private const string GenerateUserDelegationKey = "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action";

    private const string BlobDelete = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete";

    private const string BlobDeleteVersion = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action";

    /// <summary>
    /// Control-plane actions a role on a container may carry: reading the container's properties, and the account-level
    /// user delegation key action that Storage Blob Data Reader carries too, which a container-scoped grant never
    /// satisfies (Azure checks it at the account: the Functions app has it from Storage Blob Delegator there).
    /// </summary>
    private static readonly HashSet<string> HarmlessContainerActions = [ContainerRead, GenerateUserDelegationKey];

    /// <summary>Built-in roles assigned on containers, with their permissions (learn.microsoft.com, built-in roles).</summary>
    private static readonly Dictionary<string, (string[] Actions, string[] DataActions)> BuiltInBlobRoles = new()
    {
        [BuiltInRoles.StorageBlobDataReader] = ([ContainerRead, GenerateUserDelegationKey], [BlobRead]),
        [BuiltInRoles.StorageBlobDataContributor] = (
            [
                "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
                ContainerRead,
                "Microsoft.Storage/storageAccounts/blobServices/containers/write",
                GenerateUserDelegationKey,
            ],
            [
                BlobDelete,
                BlobRead,
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
                "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
                BlobWrite,
            ]),
    };

    /// <summary>
    /// Event Grid's dead-letter destination keeps Storage Blob Data Contributor: it is the role Event Grid documents for a
    /// blob destination (learn.microsoft.com/azure/event-grid/add-identity-roles), Event Grid checks the destination when
    /// the subscription is saved in a way it does not document, and the principal is the system topic's own identity,
    /// for which nothing but Event Grid can get a token.
    /// </summary>
    private static readonly HashSet<(string Principal, string Container)> DocumentedContributor = [("eventgrid", "eventgrid-deadletter")];

    /// <summary>The data actions each identity's code needs on each container, with the calls that need them.</summary>
    private static readonly (string Principal, string Container, string DataAction, string Reason)[] NeededDataActions =
    [
        ("functions", "scans", BlobRead, "the blob trigger and intake read uploads; reconciliation, retry and erasure list them"),
        ("functions", "scans", BlobWrite, "the write-only upload SAS (Create, Write) grants only what its signer holds; erasure commits an empty block list over staged blocks and breaks leases"),
        ("functions", "scans", BlobDelete, "erasure, and removing a refused upload"),
        ("functions", "scans", BlobDeleteVersion, "erasure deletes previous versions"),
        ("functions", "results", BlobRead, "the read-only result SAS and the status listing"),
        ("functions", "results", BlobDelete, "erasure"),
        ("functions", "results", BlobDeleteVersion, "erasure deletes previous versions"),
        ("functions", "keys", BlobRead, "reading the archive scan id key and its marker (ArchiveScanIdKeyStore)"),
        ("functions", "keys", BlobAdd, "creating the key and its marker on first use (If-None-Match: *); the assignment's condition refuses blob write on both"),
        ("worker", "keys", BlobRead, "checking an archive job's scan id with the key"),
        ("worker", "results", BlobRead, "the completion marker's existence; listing a folder to remove it"),
        ("worker", "results", BlobWrite, "conditional creates of result files; removal commits over staged blocks and breaks leases"),
        ("worker", "results", BlobDelete, "removing the results of a job erased or replaced while it ran"),
        ("worker", "results", BlobDeleteVersion, "... with their previous versions"),
        ("eventgrid", "eventgrid-deadletter", BlobWrite, "writing undeliverable events"),
        ("functions", "eventgrid-deadletter", BlobRead, "ReplayArchiveDeadLetters reads undeliverable events"),
        ("functions", "eventgrid-deadletter", BlobDelete, "... and deletes them once replayed"),
        ("functions", "eventgrid-deadletter", BlobDeleteVersion, "... with their previous versions"),
        ("operator", "models", BlobRead, "listing and downloading model packages (az storage blob upload-batch, list)"),
        ("operator", "models", BlobWrite, "uploading a model package"),
        ("operator", "eventgrid-deadletter", BlobRead, "reading an event blob the replay could not read"),
        ("operator", "eventgrid-deadletter", BlobDelete, "... then deleting it"),
        ("operator", "eventgrid-deadletter", BlobDeleteVersion, "... with its previous versions"),
    ];

    [Theory]
    [InlineData("main.dev", "AZURE_PRINCIPAL_ID")]
    [InlineData("main.prod", "SYNOMALY_OPERATOR_GROUP_ID")]
    public void No_role_on_a_scan_data_container_may_write_or_delete_the_container_itself(string parameterFile, string operatorVariable)
    {
        var deployment = DeploymentWithOperator(parameterFile, operatorVariable);
        var onContainers = ContainerGrants(deployment).ToList();

        Assert.Contains(onContainers, g => g.Principal == "operator");
        Assert.All(onContainers, g =>
        {
            if (g.Role == BuiltInRoles.StorageBlobDataContributor && DocumentedContributor.Contains((g.Principal, g.Container)))
            {
                return;
            }

            var (actions, _) = Permissions(deployment, g.Role);
            var management = actions.Except(HarmlessContainerActions).ToList();
            Assert.True(management.Count == 0, $"{g.Principal}'s role {g.Role} on '{g.Container}' carries control-plane actions {string.Join(", ", management)}.");
        });
    }

    [Theory]
    [InlineData("main.dev", "AZURE_PRINCIPAL_ID")]
    [InlineData("main.prod", "SYNOMALY_OPERATOR_GROUP_ID")]
    public void Each_identity_keeps_the_data_actions_its_code_needs_on_each_container(string parameterFile, string operatorVariable)
    {
        var deployment = DeploymentWithOperator(parameterFile, operatorVariable);
        var onContainers = ContainerGrants(deployment).ToList();

        Assert.All(NeededDataActions, need =>
        {
            var held = onContainers.Where(g => g.Principal == need.Principal && g.Container == need.Container)
                .SelectMany(g => Permissions(deployment, g.Role).DataActions);
            Assert.True(held.Contains(need.DataAction), $"{need.Principal} lacks {need.DataAction} on '{need.Container}': {need.Reason}.");
        });
    }

    /// <summary>
    /// Every identity that reads blobs on a container keeps containers/read there, as Storage Blob Data Reader and
    /// Contributor both did: Get Container Properties (the SDK's container Exists and GetProperties, the az CLI's checks
    /// before a batch upload or download, the WebJobs SDK's listeners) is authorized by that action, not by a data action,
    /// and a role without it would fail such a call with 403 only once deployed.
    /// </summary>
    [Theory]
    [InlineData("main.dev", "AZURE_PRINCIPAL_ID")]
    [InlineData("main.prod", "SYNOMALY_OPERATOR_GROUP_ID")]
    public void Each_identity_that_reads_a_container_may_read_its_properties(string parameterFile, string operatorVariable)
    {
        var deployment = DeploymentWithOperator(parameterFile, operatorVariable);
        var onContainers = ContainerGrants(deployment).ToList();

        Assert.All(onContainers.GroupBy(g => (g.Principal, g.Container)), grants =>
        {
            var permissions = grants.Select(g => Permissions(deployment, g.Role)).ToList();
            if (permissions.Any(p => p.DataActions.Contains(BlobRead)))
            {
                Assert.True(permissions.Any(p => p.Actions.Contains(ContainerRead)), $"{grants.Key.Principal} reads blobs on '{grants.Key.Container}' but may not read the container's properties ({ContainerRead}).");
            }
        });
    }

    /// <summary>A profile's deployment with an operator (the golden files have none).</summary>
    private static PredictedDeployment DeploymentWithOperator(string parameterFile, string operatorVariable)
    {
        var result = TemplatePrediction.Run(parameterFile, new Dictionary<string, string?>
        {
            [operatorVariable] = OperatorId,
            ["SYNOMALY_FIRST_DEPLOYMENT"] = "true",
        });
        Assert.True(result.Deployment is not null, result.Output);
        return result.Deployment;
    }

    private static IEnumerable<(string Principal, string Role, string Container)> ContainerGrants(PredictedDeployment deployment) =>
        Grants(deployment)
            .Where(g => g.Scope.StartsWith("scan-container:", StringComparison.Ordinal))
            .Select(g => (g.Principal, g.Role, g.Scope["scan-container:".Length..]));

    /// <summary>A role's actions and data actions: a custom role's from the deployment, a built-in's from the table above.</summary>
    private static (IReadOnlyList<string> Actions, IReadOnlyList<string> DataActions) Permissions(PredictedDeployment deployment, string role)
    {
        if (role.StartsWith("custom:", StringComparison.Ordinal))
        {
            var permission = Assert.Single(CustomRole(deployment, role).At("properties.permissions").EnumerateArray());
            return (
                [.. permission.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)],
                [.. permission.GetProperty("dataActions").EnumerateArray().Select(a => a.GetString()!)]);
        }

        Assert.True(BuiltInBlobRoles.TryGetValue(role, out var builtIn), $"Built-in role {role} is assigned on a container: add its permissions to BuiltInBlobRoles.");
        return (builtIn.Actions, builtIn.DataActions);
    }
}
