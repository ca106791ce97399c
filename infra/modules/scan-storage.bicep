metadata name = 'scan-storage'
metadata description = 'The scan-data storage account: uploads, results, archive and models (blob), the archive scan id key (blob keys), job records and bulk-run checkpoints (table), the blob trigger\'s poison queue. Entra ID only, private containers, TLS 1.2, soft delete, versioning and lifecycle rules.'

@description('Required. Storage account name (3 to 24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Redundancy SKU. ZRS keeps medical data available through a zone outage.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param skuName string = 'Standard_ZRS'

@description('Optional. Days deleted blobs, versions and containers can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Results (heatmaps, masks, reports) move to the cool tier this many days after they were last written.')
@minValue(1)
param resultsCoolAfterDays int = 30

@description('Optional. Results are deleted this many days after they were last written; rerun the job to recreate them.')
@minValue(2)
param resultsDeleteAfterDays int = 365

@description('Optional. Uploaded scans are deleted this many days after they were last written (data minimisation: they are patient data as sent). A job can be rerun only while its upload exists; the archive container is never aged out.')
@minValue(3)
param uploadsDeleteAfterDays int = 365

@description('Optional. Previous blob versions (kept by versioning) outside scans/ and results/ are deleted this many days after they were created, that is after their data was written; those of uploads and results go with their base blobs\' retention.')
@minValue(1)
param previousVersionsDeleteAfterDays int = 30

@description('Optional. Public network access: Enabled, or Disabled when only private endpoints may reach the account.')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

@description('Optional. Public IPv4 ranges (CIDR) allowed through the firewall when it is closed (defaultAction Deny), for example the portal\'s upload clients.')
param allowedIpRanges string[] = []

@description('Optional. Firewall default action for public traffic. Deny lets through only allowedIpRanges and private endpoints.')
@allowed(['Allow', 'Deny'])
param networkDefaultAction string = 'Allow'

@description('Optional. Browser origins (scheme://host[:port], no path, no wildcard) of the upload portals that PUT scans to upload SAS URLs and GET results from result SAS URLs. Empty: no CORS rule, so browsers cannot call the blob endpoint (SDKs and tools outside a browser are unaffected).')
param corsAllowedOrigins string[] = []

@description('Optional. Whether the blob service\'s resource logs include reads (StorageRead) besides writes and deletes. Reads are the audit trail of who read scans and results, and each read of archive/ names its owner\'s file, which may name a patient.')
param blobReadLogs bool = true

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

@description('Optional. Blob containers to create. The first four are the contract in src/Contracts/BlobLayout.cs; keys holds the archive scan id key (src/Storage/Keys/ArchiveScanIdKeyStore.cs), which the Functions app creates on first use.')
param containerNames string[] = ['scans', 'results', 'archive', 'models', 'eventgrid-deadletter', 'keys']

@description('Optional. Tables to create: job records (jobs) and the Functions bulk reprocessing checkpoints (bulkruns).')
param tableNames string[] = ['jobs', 'bulkruns']

@description('Optional. Storage queues to create: the blob trigger\'s poison queue (on the trigger\'s own account), the Functions bulk reprocessing steps and the archive\'s BlobDeleted events (from Event Grid), each with its poison queue.')
param queueNames string[] = ['webjobs-blobtrigger-poison', 'bulk-reprocess', 'bulk-reprocess-poison', 'archive-deletions', 'archive-deletions-poison']

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    // Entra ID only: no account keys, no account or service SAS. Uploads use user delegation SAS.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: networkDefaultAction
      bypass: 'AzureServices'
      ipRules: [for range in allowedIpRanges: { value: range, action: 'Allow' }]
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      // A second, infrastructure-level encryption layer for medical data (can only be chosen when the account is created).
      requireInfrastructureEncryption: true
      services: {
        blob: { enabled: true, keyType: 'Account' }
        file: { enabled: true, keyType: 'Account' }
        table: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: softDeleteRetentionDays }
    containerDeleteRetentionPolicy: { enabled: true, days: softDeleteRetentionDays }
    // Browsers upload with the SAS URL from POST /api/scans and must send x-ms-blob-type (docs/API.md), which is not a
    // CORS-safelisted header: every upload starts with a preflight (OPTIONS), which the blob service answers 403 unless a
    // rule admits the page's origin. The SAS still authorises each request; the rule only lets the browser send it.
    // Named origins only (a wildcard would let any site's script use a leaked SAS URL from a victim's browser), the
    // methods that upload and read (PUT: blob and block list; GET, HEAD: results), and the header families the Storage
    // SDKs send (x-ms-*, content-*). Set by the template as a whole: an empty list removes rules added by hand.
    cors: {
      corsRules: empty(corsAllowedOrigins) ? [] : [
        {
          allowedOrigins: corsAllowedOrigins
          allowedMethods: ['PUT', 'GET', 'HEAD']
          allowedHeaders: ['x-ms-*', 'content-*']
          exposedHeaders: ['etag', 'x-ms-*']
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: { publicAccess: 'None' }
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'results-cool-then-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['results/'] }
            actions: {
              baseBlob: {
                tierToCool: { daysAfterModificationGreaterThan: resultsCoolAfterDays }
                delete: { daysAfterModificationGreaterThan: resultsDeleteAfterDays }
              }
              // Snapshots are aged out on their own: without this a snapshot would keep its results for good.
              snapshot: {
                delete: { daysAfterCreationGreaterThan: resultsDeleteAfterDays }
              }
              // With versioning on, deleting the base blob keeps its data as a previous version, whose age counts from
              // when that data was written: this removes it on the same day count, not at previous-versions-delete's.
              version: {
                delete: { daysAfterCreationGreaterThan: resultsDeleteAfterDays }
              }
            }
          }
        }
        {
          // Append blobs too: an upload URL can create one. Intake refuses and deletes it, but only the version it read,
          // and appends raise no blob event. Rules take no page blobs; intake's delete is what removes those (API.md).
          // Snapshots too: the upload URL (sp=cw) lets its holder snapshot the upload, and a snapshot is neither the base
          // blob nor a version, so only its own action ages it out.
          name: 'uploads-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'], prefixMatch: ['scans/'] }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: uploadsDeleteAfterDays }
              }
              snapshot: {
                delete: { daysAfterCreationGreaterThan: uploadsDeleteAfterDays }
              }
              // The base blob's delete leaves its data as a previous version (versioning is on), which would stay readable
              // until previous-versions-delete removed it (30 days after it was written); so versions go on the same day
              // count, as do those of an upload overwritten under the same scan id.
              version: {
                delete: { daysAfterCreationGreaterThan: uploadsDeleteAfterDays }
              }
            }
          }
        }
        {
          // Every other previous version (models, archive): removed this many days after its data was written.
          name: 'previous-versions-delete'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob', 'appendBlob'] }
            actions: {
              version: { delete: { daysAfterCreationGreaterThan: previousVersionsDeleteAfterDays } }
            }
          }
        }
      ]
    }
  }
  dependsOn: [containers]
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    // Without reads, StorageBlobLogs keeps every write and delete (uploads, results, erasures, archive changes) but no
    // longer names each archive file every reprocessing run reads, nor who read what.
    logs: blobReadLogs
      ? [{ categoryGroup: 'allLogs', enabled: true }]
      : [{ category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

@description('The storage account resource id.')
output resourceId string = account.id

@description('The storage account name.')
output name string = account.name

@description('The blob endpoint (ScansStorage__blobServiceUri).')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('The table endpoint (ScansStorage__tableServiceUri).')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('The queue endpoint (ScansStorage__queueServiceUri).')
output queueEndpoint string = account.properties.primaryEndpoints.queue
