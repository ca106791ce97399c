metadata name = 'private-endpoint'
metadata description = 'One private endpoint for one sub-resource (blob, table, queue, namespace or registry), registered in its private DNS zone.'

@description('Required. Private endpoint name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Required. Subnet the endpoint\'s network interface lives in.')
param subnetId string

@description('Required. Resource id of the service the endpoint connects to.')
param privateLinkServiceId string

@description('Required. Sub-resource (group id): blob, table, queue, namespace or registry.')
param groupId string

@description('Required. Private DNS zone the endpoint registers its address in.')
param privateDnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: privateLinkServiceId
          groupIds: [groupId]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-07-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: { privateDnsZoneId: privateDnsZoneId }
      }
    ]
  }
}

@description('The private endpoint resource id.')
output resourceId string = endpoint.id

@description('The private endpoint name.')
output name string = endpoint.name
