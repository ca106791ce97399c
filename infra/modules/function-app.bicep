metadata name = 'function-app'
metadata description = 'The Functions app on Flex Consumption: a user-assigned identity for the host, the deployment package and every connection; identity-based settings only (names in docs/SETTINGS.md).'

@description('Required. Function app name.')
param name string

@description('Required. Flex Consumption plan name.')
param planName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource; the app also gets azd-service-name.')
param tags object = {}

@description('Optional. azd service name in azure.yaml that deploys into this app.')
param serviceName string = 'functions'

@description('Required. Resource id of the app\'s user-assigned identity.')
param identityId string

@description('Required. Client id of the app\'s user-assigned identity.')
param identityClientId string

@description('Required. Deployment package container URL in the host storage account.')
param deploymentContainerUrl string

@description('Required. Host storage endpoints (AzureWebJobsStorage): blob, queue and table.')
param hostStorage { blob: string, queue: string, table: string }

@description('Required. Scan-data storage endpoints (ScansStorage): blob, queue and table.')
param scanStorage { blob: string, queue: string, table: string }

@description('Required. Service Bus namespace host name (Messaging__fullyQualifiedNamespace).')
param serviceBusNamespace string

@description('Required. Application Insights component name (telemetry with Entra ID authentication).')
param applicationInsightsName string

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

@description('Optional. .NET isolated runtime version.')
param runtimeVersion string = '10.0'

@description('Optional. Most instances Flex Consumption may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional. Memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Optional. Subnet for outbound VNet integration (delegated to Microsoft.App/environments); empty for none.')
param virtualNetworkSubnetId string = ''

@description('Required. Application settings of the Functions app options (Intake__*, Bulk__*; see docs/SETTINGS.md).')
param appOptions object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
  }
}

// Identity-based connections: each connection name gets service URIs plus credential and clientId, never a key.
var connectionSettings = {
  AzureWebJobsStorage__blobServiceUri: hostStorage.blob
  AzureWebJobsStorage__queueServiceUri: hostStorage.queue
  AzureWebJobsStorage__tableServiceUri: hostStorage.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  ScansStorage__blobServiceUri: scanStorage.blob
  ScansStorage__queueServiceUri: scanStorage.queue
  ScansStorage__tableServiceUri: scanStorage.table
  ScansStorage__credential: 'managedidentity'
  ScansStorage__clientId: identityClientId
  Messaging__fullyQualifiedNamespace: serviceBusNamespace
  Messaging__credential: 'managedidentity'
  Messaging__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  // Local auth is off on Application Insights: telemetry is sent with the identity's token.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: union(connectionSettings, appOptions)
}

// No publishing with basic (user name and password) credentials: deployments use Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: app
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

@description('The function app resource id.')
output resourceId string = app.id

@description('The function app name.')
output name string = app.name

@description('The function app default host name.')
output defaultHostName string = app.properties.defaultHostName
