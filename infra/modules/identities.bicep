metadata name = 'identities'
metadata description = 'One user-assigned identity per workload, so that each gets only its own roles: the Functions app, the GPU worker, the worker\'s KEDA scaler, and the log search alerts.'

@description('Required. Name of the Functions app identity.')
param functionsIdentityName string

@description('Required. Name of the GPU worker identity (queue receive, blob and table data, registry pull).')
param workerIdentityName string

@description('Required. Name of the identity the worker\'s KEDA scale rule uses to read the queue length.')
param scalerIdentityName string

@description('Required. Name of the identity the log search alert rules query Application Insights with.')
param alertsIdentityName string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

resource functions 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: functionsIdentityName
  location: location
  tags: tags
}

resource worker 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: workerIdentityName
  location: location
  tags: tags
}

resource scaler 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: scalerIdentityName
  location: location
  tags: tags
}

resource alerts 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: alertsIdentityName
  location: location
  tags: tags
}

@description('The Functions identity: resource id, name, client id and principal id.')
output functions { resourceId: string, name: string, clientId: string, principalId: string } = {
  resourceId: functions.id
  name: functions.name
  clientId: functions.properties.clientId
  principalId: functions.properties.principalId
}

@description('The GPU worker identity: resource id, name, client id and principal id.')
output worker { resourceId: string, name: string, clientId: string, principalId: string } = {
  resourceId: worker.id
  name: worker.name
  clientId: worker.properties.clientId
  principalId: worker.properties.principalId
}

@description('The KEDA scaler identity: resource id, name, client id and principal id.')
output scaler { resourceId: string, name: string, clientId: string, principalId: string } = {
  resourceId: scaler.id
  name: scaler.name
  clientId: scaler.properties.clientId
  principalId: scaler.properties.principalId
}

@description('The log search alerts identity: resource id, name, client id and principal id.')
output alerts { resourceId: string, name: string, clientId: string, principalId: string } = {
  resourceId: alerts.id
  name: alerts.name
  clientId: alerts.properties.clientId
  principalId: alerts.properties.principalId
}
