metadata name = 'Synomaly.Cloud'
metadata description = 'The whole Synomaly.Cloud system in one resource group: monitoring, scan-data and Functions host storage, the Functions app on Flex Consumption, Event Grid, Service Bus, the container registry and the GPU worker on serverless GPU Container Apps, least-privilege role assignments, optional private networking.'

targetScope = 'resourceGroup'

// ---------- Environment ----------

@description('Required. Short environment name used in resource names and the azd-env-name tag (for example dev or prod).')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Optional. Azure region of every resource; defaults to the resource group\'s. It must offer the serverless GPU profile chosen in gpuWorkloadProfileType.')
@metadata({ azd: { type: 'location' } })
param location string = resourceGroup().location

@description('Optional. Extra tags for every resource.')
param tags object = {}

@description('Optional. A person or group that operates the system (uploads models, reads results and job records). Empty for none; azd passes the signed-in user.')
param operatorPrincipalId string = ''

@description('Optional. Principal type of operatorPrincipalId.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

// ---------- Data ----------

@description('Optional. Redundancy of the scan-data account.')
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS', 'Standard_RAGRS', 'Standard_RAGZRS'])
param scanStorageSku string = 'Standard_ZRS'

@description('Optional. Days deleted scan data (blobs, versions, containers) stays restorable.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Days after which results move to the cool tier.')
@minValue(1)
param resultsCoolAfterDays int = 30

@description('Optional. Days after which results are deleted.')
@minValue(2)
param resultsDeleteAfterDays int = 365

@description('Optional. Days after which uploaded scans (patient data as sent, DICOM tags included) are deleted. Results stay until resultsDeleteAfterDays; a job can be rerun only while its upload exists. More than jobTimeToLiveHours + 48 hours (the upload reconciliation window), or the deployment is refused: 5 days or more with the default time to live.')
@minValue(3)
param uploadsDeleteAfterDays int = 365

@description('Optional. Days the Log Analytics workspace keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Optional. Whether the scan-data blob service logs reads (StorageRead) to Log Analytics besides writes and deletes. Reads are the audit trail of who read scans and results; each read of archive/ also names its owner\'s file, which may name a patient, where no erasure reaches (docs/DEPLOY.md, "Archive file names outside the data account").')
param scanBlobReadLogs bool = true

@description('Optional. E-mail addresses that receive the operational alerts (dead letters, a scan-job backlog that does not drain, Storage queue messages that stay for hours, poison messages, expired jobs, jobs given up, dropped events, worker faults and restarts, a worker that cannot receive, a missing storage table, API server errors, failed timer runs). With none, the alerts still fire and show in Azure Monitor.')
param alertEmailAddresses string[] = []

// ---------- Messaging ----------

@description('Optional. Service Bus tier; private networking always uses Premium.')
@allowed(['Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Optional. Attempts the worker makes (Worker__MaxDeliveryCount) before it ends the job Failed and dead-letters it itself. The queue allows one more delivery, so a worker crash on the last attempt is still seen by a worker (never a silent broker dead-letter that would leave the job Processing).')
@minValue(1)
@maxValue(99)
param maxDeliveryCount int = 5

@description('Optional. Peek-lock duration of the scan-jobs queue (ISO 8601, at most PT5M).')
param queueLockDuration string = 'PT5M'

@description('Optional. Duplicate-detection window of the scan-jobs queue (ISO 8601).')
param duplicateDetectionWindow string = 'PT1H'

// ---------- Functions app ----------

@description('Optional. Most Flex Consumption instances.')
@minValue(40)
@maxValue(1000)
param functionsMaximumInstanceCount int = 100

@description('Optional. Memory per Flex Consumption instance (MB).')
@allowed([512, 2048, 4096])
param functionsInstanceMemoryMB int = 2048

@description('Optional. Client id of the Entra ID app registration that represents the HTTP API (docs/DEPLOY.md, "Protect the API with Entra ID app roles"). Set: App Service Authentication on the Functions app (bearer tokens for this API, 401 without one; /api/health and the blob trigger\'s Event Grid webhook /runtime/webhooks/blobs stay open) and Api__RequireAppRoles=true. Empty: function keys are the only gate.')
param apiAuthClientId string = ''

@description('Optional. Tenant of the API\'s app registration; defaults to the deployment\'s tenant.')
param apiAuthTenantId string = tenant().tenantId

@description('Optional. Name of the model new jobs use (Intake__ModelName, Model__Name).')
param modelName string = 'brain-mri-demo'

// Model versions: the apps accept only letters, digits, '-', '.' and '_', not '.' or '..' (BlobLayout.ModelVersionPattern,
// checked at start-up); bicep has no regex, so the template checks the length and the description states the rest.
// At most 40, not the apps' 64: the version is part of the Service Bus message id {scanId}:{etag}:{modelVersion}:r{unixMs},
// which may have at most 128 characters. A GUID scan id (36) + a blob ETag (at most 18) + two ':' (2) + 40 + a retry's
// ':r' and 13-digit Unix milliseconds (15) = 111, which leaves room to spare.
@description('Required. Version of the model new jobs use and the worker loads (Intake__ModelVersion, Model__Version); upload it to models/{name}/{version}/. 1 to 40 letters, digits, \'-\', \'.\' or \'_\', not \'.\' or \'..\'.')
@minLength(1)
@maxLength(40)
param modelVersion string

@description('Optional. Version the GPU worker loads (Model__Version) while a model switch is in progress; empty = modelVersion. Move the worker first, then modelVersion (docs/DEPLOY.md): the other order fails the new version\'s jobs on the old worker.')
@maxLength(40)
param workerModelVersion string = ''

@description('Optional. Largest accepted upload in bytes (Intake__MaxScanBytes); at most the worker\'s file limit, 2 GiB.')
@minValue(1)
@maxValue(2147483648)
param maxScanBytes int = 2147483648

@description('Optional. Lifetime of the write-only upload SAS in minutes (Intake__UploadSasMinutes).')
@minValue(1)
@maxValue(60)
param uploadSasMinutes int = 15

@description('Optional. Lifetime of read-only result links in minutes (Intake__ResultSasMinutes).')
@minValue(1)
@maxValue(60)
param resultSasMinutes int = 15

@description('Optional. CRON of the upload reconciliation that resubmits uploads whose blob event was lost (Intake__ReconcileSchedule).')
param reconcileSchedule string = '0 */5 * * * *'

@description('Optional. Hours a ScanJob may wait for a worker: the Service Bus message time to live, and when the Functions app fails a job nothing finished as Expired (Expiry__MessageTimeToLiveHours).')
@minValue(1)
@maxValue(336)
param jobTimeToLiveHours int = 48

@description('Optional. CRON of the sweep that fails jobs whose message expired unprocessed (Expiry__Schedule).')
param expirySchedule string = '0 */15 * * * *'

@description('Optional. CRON of scheduled archive reprocessing (Bulk__Schedule).')
param bulkSchedule string = '0 0 2 * * *'

@description('Optional. ScanJobs per bulk batch (Bulk__BatchSize).')
@minValue(1)
@maxValue(1000)
param bulkBatchSize int = 100

@description('Optional. Bulk throttle in messages per minute (Bulk__MessagesPerMinute).')
@minValue(1)
@maxValue(1000000)
param bulkMessagesPerMinute int = 600

@description('Optional. Back-pressure: the most jobs of one bulk run published and not yet finished (Bulk__MaxOutstandingJobs); beyond it the run waits for its jobs to end. By default the worker pool four times over (workerMaxReplicas x 4 concurrent jobs each x 4), which keeps every replica busy, capped at scanJobBacklogThreshold so that a bulk run alone never fires the scan-jobs-backlog alert.')
@minValue(1)
@maxValue(500)
param bulkMaxOutstandingJobs int = min(workerMaxReplicas * 16, scanJobBacklogThreshold, 500)

// ---------- GPU worker ----------

@description('Optional. Serverless GPU workload profile type (Consumption-GPU-NC8as-T4 or Consumption-GPU-NC24-A100); availability differs per region, see docs/DEPLOY.md.')
param gpuWorkloadProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Optional. vCPUs per worker replica; must fit the GPU profile.')
param workerCpu string = '8'

@description('Optional. Memory per worker replica; must fit the GPU profile.')
param workerMemory string = '56Gi'

@description('Optional. Most worker replicas (one GPU each).')
@minValue(1)
@maxValue(100)
param workerMaxReplicas int = 4

@description('Optional. Queue messages per worker replica before KEDA adds one.')
@minValue(1)
param workerMessagesPerReplica int = 8

@description('Optional. Network images per GPU call, slices x the profile\'s noise draws (Worker__MaxBatchSize).')
@minValue(1)
@maxValue(4096)
param workerMaxBatchSize int = 64

@description('Optional. Seconds in-flight jobs get to finish when a worker replica stops (Worker__ShutdownDeadlineSeconds).')
@minValue(5)
@maxValue(600)
param workerShutdownDeadlineSeconds int = 60

@description('Optional. Seconds without messages before the worker scales back to zero (GPU cold starts are slow; a warm replica bills while it waits).')
@minValue(30)
param workerCooldownSeconds int = 600

@description('Optional. Dead-lettered ScanJobs that may wait unreviewed before the scan-jobs-dead-lettered alert fires (rejected uploads are dead-lettered with their reason, so a few are normal).')
@minValue(0)
param deadLetteredScanJobsThreshold int = 50

@description('Optional. Active ScanJobs in the queue that fire the scan-jobs-backlog alert when the queue never holds fewer for a whole hour (the worker pool down, not scaling or out of GPU quota). Keep it above workerMessagesPerReplica x workerMaxReplicas, the backlog at which KEDA already runs every replica, and at or above bulkMaxOutstandingJobs, the most a bulk run keeps unfinished.')
@minValue(1)
param scanJobBacklogThreshold int = 100

@description('Optional. Messages in the scan-data account\'s Storage queues (all together; Storage reports no count per queue), on average over 6 hours, above which the storage-queues-backlog alert fires: archive deletions, bulk steps or poison messages that stay. A healthy deployment keeps at most one bulk-reprocess step message per running bulk run for hours, so more runs than this at once fire it; queues that stop with this many messages or fewer are not reported; 0 reports any message that stays, and every bulk run.')
@minValue(0)
param storageQueueBacklogThreshold int = 2

@description('Optional. Worker faults (transient failures retried, a model that does not load) tolerated per 15 minutes before the worker-faults alert fires.')
@minValue(0)
param workerFaultsPerQuarterHour int = 3

@description('Required except on an environment\'s first deployment. Worker image (SERVICE_GPUWORKER_IMAGE_NAME, which azd deploy sets): empty is refused unless firstDeployment is true.')
param workerImage string = ''

// A deployment sets the worker's image, so an empty workerImage would roll a running worker back to the placeholder
// (for example on a model switch deployed without SERVICE_GPUWORKER_IMAGE_NAME). Only the first deployment, before any
// image has been built, may deploy the placeholder, and it must say so.
@description('Optional. True only for an environment\'s first deployment, before a worker image exists: an empty workerImage then deploys a public placeholder image (SYNOMALY_FIRST_DEPLOYMENT; docs/DEPLOY.md).')
param firstDeployment bool = false

// ---------- Networking ----------

@description('Optional. Private networking: a VNet, private endpoints and private DNS zones; storage, Service Bus and the registry refuse public traffic (Service Bus and the registry become Premium).')
param enablePrivateNetworking bool = false

@description('Optional. VNet address space when private networking is on.')
param vnetAddressPrefix string = '10.40.0.0/16'

@description('Optional. Public IPv4 ranges (CIDR) of the clients that upload scans with SAS URLs, allowed through the scan-data firewall when private networking is on.')
param uploadClientIpRanges string[] = []

// ---------- Upload portals ----------

@description('Optional. Browser origins of the upload portals (scheme://host[:port], lower case, no path, no wildcard; for example https://portal.hospital.example), admitted by a CORS rule on the scan-data blob endpoint: a browser PUTs each scan to its upload SAS URL with x-ms-blob-type, which needs a preflight. Empty: no rule, and no browser can upload (SDKs and tools outside a browser still can).')
param uploadPortalOrigins string[] = []

// ---------- Names ----------

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName })
var queueName = 'scan-jobs'

// Uploads must outlive the jobs that read them. The upload reconciliation submits an upload whose blob event was lost up
// to its lookback after the upload was written (Intake__ReconcileLookbackHours: 48 by default, which the templates keep),
// and the job's message then waits up to jobTimeToLiveHours for a worker, which reads the upload when it starts: so an
// upload is kept more than jobTimeToLiveHours + 48 hours. For a job queued at once the same margin leaves almost two days
// after the expiry sweep fails it as Expired (jobTimeToLiveHours + Expiry__GraceMinutes, 60, + a sweep every 15 minutes)
// for POST /api/scans/retry-failed to find its upload, rather than SourceMissing. The lifecycle rule deletes an upload
// no earlier than uploadsDeleteAfterDays whole days after its last write.
var uploadRetentionMarginHours = 48
var publicNetworkAccess = enablePrivateNetworking ? 'Disabled' : 'Enabled'

// A CORS origin is compared exactly with the Origin header a browser sends: scheme://host[:port] in lower case, no path.
// A path, a trailing '/' or capitals never match, so every upload from that portal would fail its preflight; a wildcard
// ('*', or one in a host name) would let any web page send requests with an upload or result URL it got hold of.
var invalidUploadPortalOrigins = filter(uploadPortalOrigins, origin => contains(origin, '*') || origin != toLower(origin) || !(startsWith(origin, 'https://') || startsWith(origin, 'http://')) || contains(skip(origin, indexOf(origin, '//') + 2), '/'))

// Every name is fixed here, before deployment, so that modules and role assignments can refer to resources by name.
var names = {
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  functionsIdentity: '${abbrs.managedIdentityUserAssignedIdentities}func-${resourceToken}'
  workerIdentity: '${abbrs.managedIdentityUserAssignedIdentities}worker-${resourceToken}'
  scalerIdentity: '${abbrs.managedIdentityUserAssignedIdentities}scaler-${resourceToken}'
  alertsIdentity: '${abbrs.managedIdentityUserAssignedIdentities}alerts-${resourceToken}'
  scanStorage: '${abbrs.storageStorageAccounts}scan${resourceToken}'
  hostStorage: '${abbrs.storageStorageAccounts}func${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  registry: '${abbrs.containerRegistryRegistries}${resourceToken}'
  vnet: '${abbrs.networkVirtualNetworks}${resourceToken}'
  functionApp: '${abbrs.webSitesFunctions}${resourceToken}'
  functionPlan: '${abbrs.webServerFarms}${resourceToken}'
  eventGridTopic: '${abbrs.eventGridSystemTopics}scan-${resourceToken}'
  containerAppsEnvironment: '${abbrs.appManagedEnvironments}${resourceToken}'
  gpuWorker: '${abbrs.appContainerApps}worker-${resourceToken}'
}

// Private endpoints (when enabled): one per sub-resource, each registered in its zone (modules/network.bicep).
var privateEndpoints = [
  { key: 'scan-blob', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.scanStorage), groupId: 'blob', zone: 'blob' }
  { key: 'scan-table', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.scanStorage), groupId: 'table', zone: 'table' }
  { key: 'scan-queue', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.scanStorage), groupId: 'queue', zone: 'queue' }
  { key: 'func-blob', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.hostStorage), groupId: 'blob', zone: 'blob' }
  { key: 'func-table', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.hostStorage), groupId: 'table', zone: 'table' }
  { key: 'func-queue', resourceId: resourceId('Microsoft.Storage/storageAccounts', names.hostStorage), groupId: 'queue', zone: 'queue' }
  { key: 'sb', resourceId: resourceId('Microsoft.ServiceBus/namespaces', names.serviceBus), groupId: 'namespace', zone: 'servicebus' }
  { key: 'cr', resourceId: resourceId('Microsoft.ContainerRegistry/registries', names.registry), groupId: 'registry', zone: 'registry' }
]

// ---------- Resources ----------

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionDays
  }
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  params: {
    functionsIdentityName: names.functionsIdentity
    workerIdentityName: names.workerIdentity
    scalerIdentityName: names.scalerIdentity
    alertsIdentityName: names.alertsIdentity
    location: location
    tags: allTags
  }
}

module scanStorage 'modules/scan-storage.bicep' = {
  name: 'scan-storage'
  params: {
    name: names.scanStorage
    location: location
    tags: allTags
    skuName: scanStorageSku
    softDeleteRetentionDays: softDeleteRetentionDays
    resultsCoolAfterDays: resultsCoolAfterDays
    resultsDeleteAfterDays: resultsDeleteAfterDays
    uploadsDeleteAfterDays: uploadsDeleteAfterDays * 24 > jobTimeToLiveHours + uploadRetentionMarginHours ? uploadsDeleteAfterDays : fail('uploadsDeleteAfterDays (${uploadsDeleteAfterDays} days) must be more than jobTimeToLiveHours (${jobTimeToLiveHours} hours) + ${uploadRetentionMarginHours} hours: otherwise a queued job can lose its upload before its message expires (SourceMissing), and a job that expired cannot be retried. Raise uploadsDeleteAfterDays or lower jobTimeToLiveHours')
    // Browsers upload with SAS URLs, so with private networking the account stays reachable from the listed client
    // ranges only, plus the private endpoints.
    networkDefaultAction: enablePrivateNetworking ? 'Deny' : 'Allow'
    allowedIpRanges: enablePrivateNetworking ? uploadClientIpRanges : []
    corsAllowedOrigins: empty(invalidUploadPortalOrigins) ? uploadPortalOrigins : fail('uploadPortalOrigins (SYNOMALY_UPLOAD_PORTAL_ORIGINS) takes browser origins, scheme://host[:port] in lower case without a path or a wildcard (a wildcard would admit every web page); refused: ${join(invalidUploadPortalOrigins, ', ')}')
    blobReadLogs: scanBlobReadLogs
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module hostStorage 'modules/function-host-storage.bicep' = {
  name: 'function-host-storage'
  params: {
    name: names.hostStorage
    location: location
    tags: allTags
    publicNetworkAccess: publicNetworkAccess
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module serviceBus 'modules/service-bus.bicep' = {
  name: 'service-bus'
  params: {
    name: names.serviceBus
    location: location
    tags: allTags
    skuName: enablePrivateNetworking ? 'Premium' : serviceBusSku
    queueName: queueName
    lockDuration: queueLockDuration
    maxDeliveryCount: maxDeliveryCount + 1
    duplicateDetectionWindow: duplicateDetectionWindow
    messageTimeToLive: 'PT${jobTimeToLiveHours}H'
    publicNetworkAccess: publicNetworkAccess
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module registry 'modules/container-registry.bicep' = {
  name: 'container-registry'
  params: {
    name: names.registry
    location: location
    tags: allTags
    skuName: enablePrivateNetworking ? 'Premium' : 'Basic'
    publicNetworkAccess: publicNetworkAccess
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module network 'modules/network.bicep' = if (enablePrivateNetworking) {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    tags: allTags
    addressPrefix: vnetAddressPrefix
  }
}

module endpoints 'modules/private-endpoint.bicep' = [
  for endpoint in privateEndpoints: if (enablePrivateNetworking) {
    name: 'pep-${endpoint.key}'
    params: {
      name: '${abbrs.networkPrivateEndpoints}${endpoint.key}-${resourceToken}'
      location: location
      tags: allTags
      subnetId: network!.outputs.privateEndpointSubnetId
      privateLinkServiceId: endpoint.resourceId
      groupId: endpoint.groupId
      privateDnsZoneId: network!.outputs.privateDnsZoneIds[endpoint.zone]
    }
    dependsOn: [scanStorage, hostStorage, serviceBus, registry]
  }
]

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: names.functionApp
    planName: names.functionPlan
    location: location
    tags: allTags
    identityId: identities.outputs.functions.resourceId
    identityClientId: identities.outputs.functions.clientId
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    hostStorage: { blob: hostStorage.outputs.blobEndpoint, queue: hostStorage.outputs.queueEndpoint, table: hostStorage.outputs.tableEndpoint }
    scanStorage: { blob: scanStorage.outputs.blobEndpoint, queue: scanStorage.outputs.queueEndpoint, table: scanStorage.outputs.tableEndpoint }
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    applicationInsightsName: names.applicationInsights
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    maximumInstanceCount: functionsMaximumInstanceCount
    instanceMemoryMB: functionsInstanceMemoryMB
    virtualNetworkSubnetId: enablePrivateNetworking ? network!.outputs.functionsSubnetId : ''
    // A client id is a GUID; the common slip, the application id URI (api://...), would make every token's audience wrong.
    apiAuthClientId: empty(apiAuthClientId) || (length(apiAuthClientId) == 36 && length(split(apiAuthClientId, '-')) == 5) ? apiAuthClientId : fail('apiAuthClientId (SYNOMALY_API_CLIENT_ID) must be the client id of the API\'s app registration, a GUID such as 6f1c2a4e-0b7d-4c1e-9a57-3d2e8b9f1a20 (az ad app show --id api://... --query appId), not its application id URI; empty for function keys only.')
    apiAuthTenantId: apiAuthTenantId
    appOptions: {
      // Event Grid drives the blob trigger in Azure: the polling twin of ScanUploaded stays off.
      Intake__BlobTriggerSource: 'EventGrid'
      'AzureWebJobs.ScanUploadedPolling.Disabled': 'true'
      Intake__Transport: 'ServiceBus'
      Intake__MaxScanBytes: string(maxScanBytes)
      Intake__ModelName: modelName
      Intake__ModelVersion: modelVersion
      Intake__QueueName: queueName
      Intake__UploadSasMinutes: string(uploadSasMinutes)
      Intake__ResultSasMinutes: string(resultSasMinutes)
      Intake__ReconcileSchedule: reconcileSchedule
      Bulk__Schedule: bulkSchedule
      Expiry__Schedule: expirySchedule
      Expiry__MessageTimeToLiveHours: string(jobTimeToLiveHours)
      Bulk__BatchSize: string(bulkBatchSize)
      Bulk__MessagesPerMinute: string(bulkMessagesPerMinute)
      Bulk__MaxOutstandingJobs: string(bulkMaxOutstandingJobs)
    }
  }
  // The host reads its storage with the identity as soon as it starts: grant first.
  dependsOn: [roleAssignments]
}

module eventGrid 'modules/event-grid.bicep' = {
  name: 'event-grid'
  params: {
    name: names.eventGridTopic
    location: location
    tags: allTags
    storageAccountId: scanStorage.outputs.resourceId
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module containerAppsEnvironment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  params: {
    name: names.containerAppsEnvironment
    location: location
    tags: allTags
    gpuWorkloadProfileType: gpuWorkloadProfileType
    infrastructureSubnetId: enablePrivateNetworking ? network!.outputs.containerAppsSubnetId : ''
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module gpuWorker 'modules/gpu-worker.bicep' = {
  name: 'gpu-worker'
  params: {
    name: names.gpuWorker
    location: location
    tags: allTags
    environmentId: containerAppsEnvironment.outputs.resourceId
    workloadProfileName: containerAppsEnvironment.outputs.gpuWorkloadProfileName
    image: !empty(workerImage) ? workerImage : firstDeployment ? 'mcr.microsoft.com/k8se/quickstart:latest' : fail('workerImage is empty: set SERVICE_GPUWORKER_IMAGE_NAME to the image the worker runs (az containerapp show --query properties.template.containers[0].image), or SYNOMALY_FIRST_DEPLOYMENT=true for an environment\'s first deployment (docs/DEPLOY.md).')
    registryLoginServer: registry.outputs.loginServer
    workerIdentity: { resourceId: identities.outputs.worker.resourceId, clientId: identities.outputs.worker.clientId }
    scalerIdentityId: identities.outputs.scaler.resourceId
    serviceBus: { name: serviceBus.outputs.name, fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace, queueName: serviceBus.outputs.queueName }
    scanStorage: { blob: scanStorage.outputs.blobEndpoint, queue: scanStorage.outputs.queueEndpoint, table: scanStorage.outputs.tableEndpoint }
    applicationInsightsName: names.applicationInsights
    cpu: workerCpu
    memory: workerMemory
    maxReplicas: workerMaxReplicas
    messagesPerReplica: workerMessagesPerReplica
    cooldownSeconds: workerCooldownSeconds
    shutdownDeadlineSeconds: workerShutdownDeadlineSeconds
    workerOptions: {
      Worker__Transport: 'ServiceBus'
      Worker__QueueName: queueName
      Worker__Device: 'cuda'
      Worker__MaxBatchSize: string(workerMaxBatchSize)
      Worker__MaxDeliveryCount: string(maxDeliveryCount)
      Worker__ShutdownDeadlineSeconds: string(workerShutdownDeadlineSeconds)
      Model__Source: 'Blob'
      Model__Name: modelName
      Model__Version: empty(workerModelVersion) ? modelVersion : workerModelVersion
    }
  }
  // The image pull and the scale rule need their roles before the first revision starts.
  dependsOn: [roleAssignments]
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    scanStorageName: names.scanStorage
    hostStorageName: names.hostStorage
    serviceBusName: names.serviceBus
    queueName: queueName
    registryName: names.registry
    applicationInsightsName: names.applicationInsights
    functionsIdentityName: names.functionsIdentity
    workerIdentityName: names.workerIdentity
    scalerIdentityName: names.scalerIdentity
    alertsIdentityName: names.alertsIdentity
    eventGridTopicName: names.eventGridTopic
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
  }
  // Names are fixed up front, so the dependencies on the resources being granted are stated here.
  dependsOn: [scanStorage, hostStorage, serviceBus, registry, monitoring, identities, eventGrid]
}

module archiveDeletionEvents 'modules/archive-deletion-events.bicep' = {
  name: 'archive-deletion-events'
  params: {
    systemTopicName: names.eventGridTopic
    storageAccountId: scanStorage.outputs.resourceId
  }
  // Event Grid delivers with its own identity, which needs its queue and dead-letter roles first.
  dependsOn: [eventGrid, roleAssignments]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: resourceToken
    location: location
    tags: allTags
    emailAddresses: alertEmailAddresses
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertsIdentityId: identities.outputs.alerts.resourceId
    serviceBusId: serviceBus.outputs.resourceId
    queueName: queueName
    eventGridTopicId: eventGrid.outputs.resourceId
    workerAppId: gpuWorker.outputs.resourceId
    scanStorageId: scanStorage.outputs.resourceId
    storageQueueBacklogThreshold: storageQueueBacklogThreshold
    deadLetteredScanJobsThreshold: deadLetteredScanJobsThreshold
    scanJobBacklogThreshold: scanJobBacklogThreshold
    workerFaultsPerQuarterHour: workerFaultsPerQuarterHour
  }
  // The log search rules query with their identity from the first evaluation.
  dependsOn: [roleAssignments]
}

// ---------- Outputs (names, ids and endpoints only; azd writes them into the environment) ----------

@description('The resource group name.')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('The Azure region.')
output AZURE_LOCATION string = location

@description('The container registry login server (azd pushes the GPU worker image here).')
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer

@description('The container registry name.')
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name

@description('The Container Apps environment name.')
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name

@description('The GPU worker container app name.')
output GPU_WORKER_APP_NAME string = gpuWorker.outputs.name

@description('The Functions app name.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('The Functions app host name.')
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostName

@description('The scan-data storage account name.')
output SCAN_STORAGE_ACCOUNT_NAME string = scanStorage.outputs.name

@description('The scan-data blob endpoint.')
output SCAN_STORAGE_BLOB_ENDPOINT string = scanStorage.outputs.blobEndpoint

@description('The Event Grid system topic on the scan-data account (scripts/eventgrid-subscription.sh subscribes the blob trigger to it).')
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name

@description('The resource id of the container that receives undeliverable Event Grid events.')
output EVENTGRID_DEADLETTER_CONTAINER_ID string = '${scanStorage.outputs.resourceId}/blobServices/default/containers/eventgrid-deadletter'

@description('The Service Bus namespace host name.')
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace

@description('The ScanJob queue name.')
output SERVICE_BUS_QUEUE_NAME string = serviceBus.outputs.queueName

@description('The Application Insights resource id.')
output APPLICATIONINSIGHTS_RESOURCE_ID string = monitoring.outputs.applicationInsightsId

@description('The Log Analytics workspace name.')
output LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsWorkspaceName

@description('The id of the custom role Synomaly blob eraser, which is not deleted with the resource group: the teardown deletes it by this id (docs/DEPLOY.md).')
output BLOB_ERASER_ROLE_DEFINITION_ID string = roleAssignments.outputs.blobEraserRoleDefinitionId

@description('The id of the custom role Synomaly blob writer, which is not deleted with the resource group: the teardown deletes it by this id (docs/DEPLOY.md).')
output BLOB_WRITER_ROLE_DEFINITION_ID string = roleAssignments.outputs.blobWriterRoleDefinitionId
