metadata name = 'container-registry'
metadata description = 'Container registry for the GPU worker image: admin user and anonymous pull off; pulls use the worker\'s identity (AcrPull).'

@description('Required. Registry name (5 to 50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Registry tier. Premium is required for private endpoints.')
@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Basic'

@description('Optional. Public network access: Enabled, or Disabled when only private endpoints may reach the registry (Premium).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: publicNetworkAccess
    networkRuleBypassOptions: 'AzureServices'
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: registry
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

@description('The registry resource id.')
output resourceId string = registry.id

@description('The registry name.')
output name string = registry.name

@description('The registry login server.')
output loginServer string = registry.properties.loginServer
