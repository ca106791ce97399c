metadata name = 'event-grid'
metadata description = 'Event Grid system topic on the scan-data account. Its BlobCreated subscription to the Functions blob-trigger webhook needs the function\'s blobs_extension system key, so scripts/eventgrid-subscription.sh creates it after the code is deployed (the azd postdeploy hook).'

@description('Required. System topic name.')
param name string

@description('Required. Azure region (the storage account\'s).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Resource id of the storage account whose events the topic publishes.')
param storageAccountId string

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  // The system-assigned identity writes undeliverable events to the eventgrid-deadletter container (no keys).
  identity: { type: 'SystemAssigned' }
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: topic
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

@description('The system topic resource id.')
output resourceId string = topic.id

@description('The system topic name.')
output name string = topic.name

@description('The principal id of the topic\'s system-assigned identity.')
output principalId string = topic.identity.principalId
