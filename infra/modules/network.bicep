metadata name = 'network'
metadata description = 'Optional private networking: a VNet with subnets for Functions VNet integration, the Container Apps environment and private endpoints, and the private DNS zones of storage, Service Bus and the registry (modules/private-endpoint.bicep adds the endpoints).'

@description('Required. Virtual network name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. VNet address space (a /16 leaves room; subnets are carved from it).')
param addressPrefix string = '10.40.0.0/16'

var zoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  servicebus: 'privatelink.servicebus.windows.net'
  registry: 'privatelink${environment().suffixes.acrLoginServer}'
}

var zoneKeys = objectKeys(zoneNames)

resource vnet 'Microsoft.Network/virtualNetworks@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'snet-functions'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          // Flex Consumption VNet integration uses this delegation.
          delegations: [{ name: 'flex', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'snet-private-endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
      {
        name: 'snet-container-apps'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 1)
          delegations: [{ name: 'aca', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
    ]
  }

  resource functionsSubnet 'subnets' existing = { name: 'snet-functions' }
  resource privateEndpointSubnet 'subnets' existing = { name: 'snet-private-endpoints' }
  resource containerAppsSubnet 'subnets' existing = { name: 'snet-container-apps' }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for key in zoneKeys: {
    name: zoneNames[key]
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (key, i) in zoneKeys: {
    parent: zones[i]
    name: vnet.name
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: { id: vnet.id }
      registrationEnabled: false
    }
  }
]

@description('The virtual network resource id.')
output resourceId string = vnet.id

@description('The Functions VNet integration subnet id.')
output functionsSubnetId string = vnet::functionsSubnet.id

@description('The Container Apps environment infrastructure subnet id.')
output containerAppsSubnetId string = vnet::containerAppsSubnet.id

@description('The private endpoint subnet id.')
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id

@description('Private DNS zone resource ids by key: blob, table, queue, servicebus, registry.')
output privateDnsZoneIds object = toObject(zoneKeys, key => key, key => resourceId('Microsoft.Network/privateDnsZones', zoneNames[key]))
