metadata name = 'role-assignments'
metadata description = 'Least-privilege data-plane roles per identity, each at the narrowest scope that works (container, table, queue). No Owner or Contributor roles anywhere; the only broad storage role is on the Functions host account, which holds no medical data.'

@description('Required. Scan-data storage account name.')
param scanStorageName string

@description('Required. Functions host storage account name.')
param hostStorageName string

@description('Required. Service Bus namespace name.')
param serviceBusName string

@description('Required. Service Bus queue that carries ScanJobs.')
param queueName string

@description('Required. Container registry name.')
param registryName string

@description('Required. Application Insights component name.')
param applicationInsightsName string

@description('Required. Name of the Functions app identity.')
param functionsIdentityName string

@description('Required. Name of the GPU worker identity.')
param workerIdentityName string

@description('Required. Name of the identity the KEDA scale rule uses.')
param scalerIdentityName string

@description('Required. Name of the identity the log search alert rules query Application Insights with.')
param alertsIdentityName string

@description('Required. Name of the Event Grid system topic (its system-assigned identity writes dead letters).')
param eventGridTopicName string

@description('Optional. A person or group that operates the system: may upload models, read results and job records, and carry out the runbooks of docs/DEPLOY.md (dead letters, poison queues, undeliverable events). Empty for none.')
param operatorPrincipalId string = ''

@description('Optional. Principal type of operatorPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

// Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  // Only Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action: no data access of its own.
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Peek, get and delete messages, nothing else (no adding, no clearing, no deleting the queue): an operator's poison-queue review.
  storageQueueDataMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed'
  // Only add messages to a queue: what Event Grid needs to deliver events there.
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Read monitoring data (here: query the Application Insights component for the log search alerts); no data-plane access.
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05'
}

resource scanStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: scanStorageName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource scans 'containers' existing = { name: 'scans' }
    resource results 'containers' existing = { name: 'results' }
    resource archive 'containers' existing = { name: 'archive' }
    resource models 'containers' existing = { name: 'models' }
    resource eventGridDeadLetter 'containers' existing = { name: 'eventgrid-deadletter' }
    resource keys 'containers' existing = { name: 'keys' }
  }

  resource tableService 'tableServices' existing = {
    name: 'default'

    resource jobs 'tables' existing = { name: 'jobs' }
    resource bulkRuns 'tables' existing = { name: 'bulkruns' }
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource blobTriggerPoison 'queues' existing = { name: 'webjobs-blobtrigger-poison' }
    resource bulkReprocess 'queues' existing = { name: 'bulk-reprocess' }
    resource bulkReprocessPoison 'queues' existing = { name: 'bulk-reprocess-poison' }
    resource archiveDeletions 'queues' existing = { name: 'archive-deletions' }
    resource archiveDeletionsPoison 'queues' existing = { name: 'archive-deletions-poison' }
  }
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: hostStorageName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusName

  resource queue 'queues' existing = { name: queueName }
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource functionsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: functionsIdentityName
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: workerIdentityName
}

resource scalerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: scalerIdentityName
}

resource alertsIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: alertsIdentityName
}

resource eventGridTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: eventGridTopicName
}

// Assignment names use the identity's resource id (known before deployment) rather than its principal id, so that
// names are stable and what-if can predict them.
var functionsPrincipalId = functionsIdentity.properties.principalId
var workerPrincipalId = workerIdentity.properties.principalId
var scalerPrincipalId = scalerIdentity.properties.principalId
var eventGridPrincipalId = eventGridTopic.identity.principalId
var alertsPrincipalId = alertsIdentity.properties.principalId

// ---------- Functions app ----------

// Host storage (AzureWebJobsStorage and the Flex deployment package): the host needs blob leases and containers,
// queues and tables. Owner is confined to this account, which holds no scan data.
resource functionsHostBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, functionsIdentity.id, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: Functions host storage and deployment package'
  }
}

resource functionsHostQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: Functions host queues'
  }
}

resource functionsHostTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, functionsIdentity.id, roles.storageTableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: Functions host tables'
  }
}

// Result links: read-only user delegation SAS over results/{scanId}/{modelVersion}/.
resource functionsResults 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::results.id, functionsIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::results
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: sign read-only result SAS'
  }
}

// Erasure on request (DELETE /api/scans/{scanId}) deletes a scan's blobs in scans/ and results/ and, because the account
// keeps versions, their previous versions too. No built-in role short of Storage Blob Data Owner (which also manages
// ACLs and reaches every data action) may delete versions, so a custom role holds exactly these two data actions.
// Custom roles live at the subscription whatever the deployment's scope: assignments name them by their subscription id.
resource blobEraserRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'synomaly-blob-eraser')
  properties: {
    roleName: 'Synomaly blob eraser ${uniqueString(resourceGroup().id)}'
    description: 'Deletes blobs and their previous versions, nothing else: the erasure of a scan on request.'
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource functionsScansEraser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::scans.id, functionsIdentity.id, 'synomaly-blob-eraser')
  scope: scanStorage::blobService::scans
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: erase an upload and its previous versions on request'
  }
}

resource functionsResultsEraser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::results.id, functionsIdentity.id, 'synomaly-blob-eraser')
  scope: scanStorage::blobService::results
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: erase a scan\'s results and their previous versions on request'
  }
}

// Reading and writing blobs, nothing else: no blob delete, and no control-plane action but reading the container's
// properties. Storage Blob Data Contributor,
// which these grants replace, also carries containers/write and containers/delete, so its holder could delete a whole
// container (every upload, every result, every model) with one Azure Resource Manager call. Where a blob must also be
// deleted, the eraser role above is assigned beside this one. Blob write covers Put Blob, Put Block, Put Block List and
// Lease Blob, whether the blob is new or not. Assigned to:
// - the Functions app on `scans`: blob read for the blob trigger and intake (Get Blob, Get Blob Properties, List Blobs;
//   the upload reconciliation, retries and erasure list the container); blob write because the write-only upload SAS
//   (user delegation, Create and Write) can grant only what its signer holds, and because the erasure discards an
//   upload's staged blocks (Put Block List) and breaks an upload's lease (BlobFolderEraser).
// - the Functions app on `keys`: the archive scan id key (keys/archive-scan-ids.key) and its marker
//   keys/archive-scan-ids.created, read and created on first use with If-None-Match: * (ArchiveScanIdKeyStore). A new
//   key would change every archive scan id, so the app must not be able to delete either blob (nor the container), nor
//   overwrite it: that assignment carries a condition (below) that refuses blob write on both, and the app creates them
//   with blobs/add/action alone. The container holds the key alone, and nobody else but the worker (read) has a role on
//   it: the key never leaves the account, and no setting or output holds it.
// - the worker on `results`: blob read for the completion marker (Get Blob Properties) and for listing a folder it
//   removes; blob write for the result files' conditional creates (Put Blob, If-None-Match: *, BlobResultStore) and
//   for the removal's Put Block List and lease break (BlobFolderEraser; the deletes come from the eraser role).
// - the operator on `models`: listing, downloading and uploading model packages (az storage blob upload-batch). No
//   delete: the worker loads the model version its settings name, and nothing in the runbooks removes one.
// Custom roles live at the subscription, like the eraser above.
resource blobWriterRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'synomaly-blob-writer')
  properties: {
    roleName: 'Synomaly blob writer ${uniqueString(resourceGroup().id)}'
    description: 'Reads, creates and writes blobs; never deletes a blob or manages a container: uploads and their SAS, results, models, the archive scan id key (created only, never overwritten: a condition on that assignment).'
    type: 'CustomRole'
    permissions: [
      {
        // Get Container Properties (the SDK's container Exists, the az CLI's checks, the WebJobs listeners) is authorized
        // by this action, not a data action; Reader and Contributor both carry it, and it manages nothing.
        actions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/read'
        ]
        notActions: []
        // blobs/write creates and overwrites; blobs/add/action only creates (Storage refuses it for a blob that exists).
        // Where write is unconditioned, add grants nothing more; on `keys` a condition takes write away from the key and
        // its marker, and add is what lets the app still create them.
        dataActions: [
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action'
          'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

// Uploads: the blob trigger reads new scans, and the write-only upload SAS (user delegation) can grant only what the
// signing identity holds, so the app needs blob write on this one container (the deletes come from the eraser role).
resource functionsScans 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::scans.id, functionsIdentity.id, 'synomaly-blob-writer')
  scope: scanStorage::blobService::scans
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobWriterRole.name)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: read uploaded scans, sign write-only upload SAS (no container management)'
  }
}

// The archive scan id key and its marker are created once and never replaced: a new key would change every archive
// scan id (docs/DEPLOY.md, "Archive scan id key"). Unconditioned blob write would let whoever takes over the Functions
// identity (which also signs the upload SAS) overwrite them, so this ABAC condition refuses blob write on both blobs;
// blob read and blobs/add/action stay, and add creates a blob only where none exists: the app's first-use create
// (If-None-Match: *) works, an overwrite is refused (403). The names are ArchiveScanIdKeyStore.BlobName and
// MarkerBlobName; a blob path has no container and no leading slash (learn.microsoft.com/azure/storage/blobs/
// storage-auth-abac-attributes).
var keyBlobsNeverOverwritten = '''
(
  (
    !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write'})
  )
  OR
  (
    @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringNotEquals 'archive-scan-ids.key'
    AND
    @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringNotEquals 'archive-scan-ids.created'
  )
)
'''

resource functionsKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::keys.id, functionsIdentity.id, 'synomaly-blob-writer')
  scope: scanStorage::blobService::keys
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobWriterRole.name)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: read, and create on first use, the archive scan id key and its marker (no overwrite, no delete)'
    condition: keyBlobsNeverOverwritten
    conditionVersion: '2.0'
  }
}

// Bulk reprocessing enumerates archive/ and enqueues ScanJobs for it.
resource functionsArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::archive.id, functionsIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::archive
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: enumerate the archive for bulk reprocessing'
  }
}

// GetUserDelegationKey is an account-level action; Storage Blob Delegator grants it and nothing else.
resource functionsDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage.id, functionsIdentity.id, roles.storageBlobDelegator)
  scope: scanStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDelegator)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: GetUserDelegationKey for upload and result SAS'
  }
}

resource functionsJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::tableService::jobs.id, functionsIdentity.id, roles.storageTableDataContributor)
  scope: scanStorage::tableService::jobs
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: create and read job records'
  }
}

resource functionsBulkRuns 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::tableService::bulkRuns.id, functionsIdentity.id, roles.storageTableDataContributor)
  scope: scanStorage::tableService::bulkRuns
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: bulk reprocessing checkpoints'
  }
}

// The blob trigger writes poison blobs to a queue on the trigger connection's account.
resource functionsPoisonQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::blobTriggerPoison.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: scanStorage::queueService::blobTriggerPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: blob trigger poison queue'
  }
}

// Bulk reprocessing runs in bounded steps through this queue (queue trigger); failed steps go to its poison queue.
resource functionsBulkQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::bulkReprocess.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: scanStorage::queueService::bulkReprocess
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: bulk reprocessing steps'
  }
}

resource functionsBulkPoisonQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::bulkReprocessPoison.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: scanStorage::queueService::bulkReprocessPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: bulk reprocessing poison queue'
  }
}

// The archive's BlobDeleted events arrive on this queue (queue trigger ArchiveSourceDeleted); failed ones go to its poison queue.
resource functionsArchiveDeletionsQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::archiveDeletions.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: scanStorage::queueService::archiveDeletions
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: archive deletion events'
  }
}

resource functionsArchiveDeletionsPoisonQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::archiveDeletionsPoison.id, functionsIdentity.id, roles.storageQueueDataContributor)
  scope: scanStorage::queueService::archiveDeletionsPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: archive deletion events poison queue'
  }
}

// Archive deletion events Event Grid could not deliver are read back from here and put on their queue, then deleted
// (timer ReplayArchiveDeadLetters): read and delete, previous versions included (they hold the events), never write.
resource functionsEventGridDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::eventGridDeadLetter.id, functionsIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::eventGridDeadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: read undeliverable archive deletion events to replay them'
  }
}

resource functionsEventGridDeadLetterEraser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::eventGridDeadLetter.id, functionsIdentity.id, 'synomaly-blob-eraser')
  scope: scanStorage::blobService::eventGridDeadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: delete an undeliverable archive deletion event once it is replayed'
  }
}

resource functionsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::queue.id, functionsIdentity.id, roles.serviceBusDataSender)
  scope: serviceBus::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: send ScanJobs'
  }
}

resource functionsTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, functionsIdentity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: functionsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'functions: send telemetry (local auth is off)'
  }
}

// ---------- GPU worker ----------

resource workerReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::queue.id, workerIdentity.id, roles.serviceBusDataReceiver)
  scope: serviceBus::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: receive, complete and dead-letter ScanJobs'
  }
}

resource workerScans 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::scans.id, workerIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::scans
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: read uploaded scans'
  }
}

resource workerArchive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::archive.id, workerIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::archive
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: read archived scans (bulk reprocessing)'
  }
}

// The archive scan id key: the worker checks an archive job's source against its scan id, and never creates the key.
resource workerKeys 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::keys.id, workerIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::keys
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: read the archive scan id key'
  }
}

resource workerModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::models.id, workerIdentity.id, roles.storageBlobDataReader)
  scope: scanStorage::blobService::models
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: load model weights'
  }
}

// Result files are conditional creates (If-None-Match: *): blob read and write, no container management.
resource workerResults 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::results.id, workerIdentity.id, 'synomaly-blob-writer')
  scope: scanStorage::blobService::results
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobWriterRole.name)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: write anomaly maps and reports (no container management)'
  }
}

// A job erased (or its upload replaced) while the worker wrote its results: the worker removes them, and because the
// account keeps versions, their previous versions too, or the erased scan's derived images would stay readable as
// previous versions until the lifecycle rule removes them. The same custom role as the erasure, on results/ only.
resource workerResultsEraser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::results.id, workerIdentity.id, 'synomaly-blob-eraser')
  scope: scanStorage::blobService::results
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: remove the results of a job erased while it ran, with their previous versions'
  }
}

resource workerJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::tableService::jobs.id, workerIdentity.id, roles.storageTableDataContributor)
  scope: scanStorage::tableService::jobs
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: update job states'
  }
}

resource workerPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, workerIdentity.id, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: pull the worker image'
  }
}

resource workerTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, workerIdentity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: workerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'worker: send telemetry (local auth is off)'
  }
}

// ---------- KEDA scaler ----------

// The azure-servicebus scaler reads the queue's message count through the Service Bus management (ATOM) endpoint,
// which requires Manage rights; Data Receiver is not enough. The grant is confined to this one queue, on an identity
// used only by the scale rule (the worker's own identity keeps Data Receiver).
resource scalerQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::queue.id, scalerIdentity.id, roles.serviceBusDataOwner)
  scope: serviceBus::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: scalerPrincipalId
    principalType: 'ServicePrincipal'
    description: 'scaler: read the scan-jobs message count for KEDA'
  }
}

// ---------- Event Grid ----------

// The one Storage Blob Data Contributor on the scan-data account, kept on purpose: it is the role Event Grid documents for
// a blob destination (learn.microsoft.com/azure/event-grid/add-identity-roles), and Event Grid checks the dead-letter
// destination when the subscription is saved, in a way it does not document, so a narrower custom role could fail the
// deployment or, worse, lose dead letters. Its containers/write and containers/delete are a smaller risk here than on
// the apps' identities: the principal is the system topic's own identity, for which nothing but Event Grid can get a
// token (no code of ours runs as it, and no one can sign in as it).
resource eventGridDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::blobService::eventGridDeadLetter.id, eventGridTopic.id, roles.storageBlobDataContributor)
  scope: scanStorage::blobService::eventGridDeadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: eventGridPrincipalId
    principalType: 'ServicePrincipal'
    description: 'eventgrid: write undeliverable events'
  }
}

// Event Grid delivers the archive's BlobDeleted events to this queue (subscription archive-blob-deleted).
resource eventGridArchiveDeletions 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scanStorage::queueService::archiveDeletions.id, eventGridTopic.id, roles.storageQueueDataMessageSender)
  scope: scanStorage::queueService::archiveDeletions
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
    principalId: eventGridPrincipalId
    principalType: 'ServicePrincipal'
    description: 'eventgrid: deliver archive BlobDeleted events'
  }
}

// ---------- Alerts ----------

// The log search alert rules query the apps' telemetry (no patient data by design: opaque scan ids only).
resource alertsApplicationInsights 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, alertsIdentity.id, roles.monitoringReader)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringReader)
    principalId: alertsPrincipalId
    principalType: 'ServicePrincipal'
    description: 'alerts: log search alert rules query Application Insights'
  }
}

// ---------- Operator (optional) ----------

// Upload a model package (docs/DEPLOY.md, "Upload a model"): blob read and write; no delete, no container management.
resource operatorModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::blobService::models.id, operatorPrincipalId, 'synomaly-blob-writer')
  scope: scanStorage::blobService::models
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobWriterRole.name)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: upload models (no delete, no container management)'
  }
}

resource operatorResults 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::blobService::results.id, operatorPrincipalId, roles.storageBlobDataReader)
  scope: scanStorage::blobService::results
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read results'
  }
}

resource operatorJobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::tableService::jobs.id, operatorPrincipalId, roles.storageTableDataReader)
  scope: scanStorage::tableService::jobs
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataReader)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read job records'
  }
}

// The runbooks (docs/DEPLOY.md, Alerts and "Reviewing dead-lettered ScanJobs") need data-plane rights: Service Bus has
// local auth off and the account no shared keys, so Owner or Contributor on the group could not do any of them. Each
// role sits on the one entity the runbook names.

// Peek the dead-letter sub-queue, purge it (receive and delete) or complete one scan's messages: the sub-queue is part of
// the queue, so Data Receiver on scan-jobs covers it. It can receive live ScanJobs too: Service Bus RBAC does not scope
// to a sub-queue, and forwarding dead letters to a review queue would carry their time to live along (expired jobs would
// arrive expired): docs/DEPLOY.md, "Why the operator's role reaches live ScanJobs too".
resource operatorDeadLetters 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(serviceBus::queue.id, operatorPrincipalId, roles.serviceBusDataReceiver)
  scope: serviceBus::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: review and purge dead-lettered ScanJobs'
  }
}

// Read a poison message and its exception, then delete it (alert poison-messages): one assignment per poison queue.
resource operatorBlobTriggerPoison 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::queueService::blobTriggerPoison.id, operatorPrincipalId, roles.storageQueueDataMessageProcessor)
  scope: scanStorage::queueService::blobTriggerPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageProcessor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read and delete messages in webjobs-blobtrigger-poison'
  }
}

resource operatorBulkReprocessPoison 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::queueService::bulkReprocessPoison.id, operatorPrincipalId, roles.storageQueueDataMessageProcessor)
  scope: scanStorage::queueService::bulkReprocessPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageProcessor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read and delete messages in bulk-reprocess-poison'
  }
}

resource operatorArchiveDeletionsPoison 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::queueService::archiveDeletionsPoison.id, operatorPrincipalId, roles.storageQueueDataMessageProcessor)
  scope: scanStorage::queueService::archiveDeletionsPoison
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageProcessor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read and delete messages in archive-deletions-poison'
  }
}

// An undeliverable event blob the replay cannot read stays, with a warning (alert blob-events-dead-lettered): read it,
// then delete it with its previous versions (versioning keeps them) through the same eraser role as the replay.
resource operatorEventGridDeadLetter 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::blobService::eventGridDeadLetter.id, operatorPrincipalId, roles.storageBlobDataReader)
  scope: scanStorage::blobService::eventGridDeadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataReader)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: read undeliverable events the replay left'
  }
}

resource operatorEventGridDeadLetterEraser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(scanStorage::blobService::eventGridDeadLetter.id, operatorPrincipalId, 'synomaly-blob-eraser')
  scope: scanStorage::blobService::eventGridDeadLetter
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    description: 'operator: delete an undeliverable event blob and its previous versions'
  }
}

// The teardown deletes the role by this id after the resource group (docs/DEPLOY.md, Teardown): a role definition lives
// at the subscription, and one assignable only in this group is not found by a lookup by name there.
@description('The custom eraser role\'s definition id, at the subscription.')
output blobEraserRoleDefinitionId string = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobEraserRole.name)

@description('The custom blob writer role\'s definition id, at the subscription (deleted by the teardown like the eraser\'s).')
output blobWriterRoleDefinitionId string = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobWriterRole.name)
