metadata name = 'service-bus'
metadata description = 'Service Bus namespace and the scan-jobs queue: Entra ID only, TLS 1.2, duplicate detection on the deterministic MessageId, bounded deliveries and dead-lettering.'

@description('Required. Namespace name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Namespace tier. Premium is required for private endpoints and zone redundancy.')
@allowed(['Standard', 'Premium'])
param skuName string = 'Standard'

@description('Optional. Queue that carries ScanJobs (Intake__QueueName and Worker__QueueName).')
param queueName string = 'scan-jobs'

@description('Optional. Peek-lock duration (ISO 8601, at most PT5M); the worker renews the lock while a job runs.')
param lockDuration string = 'PT5M'

@description('Optional. Deliveries before the broker dead-letters a message by itself: one more than the worker\'s Worker__MaxDeliveryCount (main.bicep passes that + 1). The worker ends a job Failed and dead-letters it with its reason on its own last attempt; the one delivery more lets a worker see a message whose last attempt crashed and record why, so the broker never dead-letters a job whose record would stay Processing (src/GpuWorker/Processing/Redelivery.cs).')
@minValue(2)
@maxValue(100)
param maxDeliveryCount int = 6

@description('Optional. Window (ISO 8601) in which a repeated MessageId is dropped: repeated blob events and bulk runs do not create duplicate work.')
param duplicateDetectionWindow string = 'PT1H'

@description('Optional. Time to live of a ScanJob (ISO 8601); expired messages are dead-lettered, not dropped.')
param messageTimeToLive string = 'P2D'

@description('Optional. Public network access: Enabled, or Disabled when only private endpoints may reach the namespace (Premium).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuName, capacity: skuName == 'Premium' ? 1 : null }
  properties: {
    // Entra ID only: no SAS keys or connection strings, for the apps and for the KEDA scaler alike.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess
    zoneRedundant: skuName == 'Premium'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: messageTimeToLive
    deadLetteringOnMessageExpiration: true
    requiresSession: false
    enableBatchedOperations: true
    maxSizeInMegabytes: 1024
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

@description('The namespace resource id.')
output resourceId string = namespace.id

@description('The namespace name.')
output name string = namespace.name

@description('The namespace host name (Messaging__fullyQualifiedNamespace).')
// serviceBusEndpoint is https://{host}:443/; the host differs per cloud, so it is read, not built.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]

@description('The queue resource id.')
output queueResourceId string = queue.id

@description('The queue name.')
output queueName string = queue.name
