metadata name = 'container-apps-environment'
metadata description = 'Container Apps environment with the Consumption profile and a serverless GPU workload profile; logs go to Azure Monitor through a diagnostic setting (no workspace key).'

@description('Required. Environment name.')
param name string

@description('Required. Azure region; serverless GPU profiles exist only in some regions (docs/DEPLOY.md).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. Name of the GPU workload profile that the worker runs on.')
param gpuWorkloadProfileName string = 'gpu'

@description('Optional. Serverless GPU profile type: Consumption-GPU-NC8as-T4 or Consumption-GPU-NC24-A100 where the region offers it (az containerapp env workload-profile list-supported -l REGION).')
param gpuWorkloadProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Optional. Infrastructure subnet (delegated to Microsoft.App/environments) for an internal environment; empty for none.')
param infrastructureSubnetId string = ''

@description('Required. Log Analytics workspace resource id for diagnostic settings.')
param logAnalyticsWorkspaceId string

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
      { name: gpuWorkloadProfileName, workloadProfileType: gpuWorkloadProfileType }
    ]
    vnetConfiguration: empty(infrastructureSubnetId)
      ? null
      : {
          infrastructureSubnetId: infrastructureSubnetId
          internal: true
        }
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

@description('The environment resource id.')
output resourceId string = environment.id

@description('The environment name.')
output name string = environment.name

@description('The GPU workload profile name.')
output gpuWorkloadProfileName string = gpuWorkloadProfileName
