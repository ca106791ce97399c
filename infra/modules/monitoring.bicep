metadata name = 'monitoring'
metadata description = 'Log Analytics workspace and workspace-based Application Insights, both with local (key) authentication off.'

@description('Required. Log Analytics workspace name.')
param logAnalyticsName string

@description('Required. Application Insights component name.')
param applicationInsightsName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Days the workspace keeps logs (30 to 730).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    features: {
      // Queries and ingestion only with Entra ID tokens: no workspace shared keys.
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only from callers with Monitoring Metrics Publisher (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
    DisableLocalAuth: true
  }
}

@description('The Log Analytics workspace resource id.')
output logAnalyticsWorkspaceId string = workspace.id

@description('The Log Analytics workspace name.')
output logAnalyticsWorkspaceName string = workspace.name

@description('The Application Insights resource id.')
output applicationInsightsId string = applicationInsights.id

@description('The Application Insights name.')
output applicationInsightsName string = applicationInsights.name
