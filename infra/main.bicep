metadata description = 'Synomaly.Cloud: the scan-data storage account (grows into the whole system in the infrastructure issue).'

targetScope = 'resourceGroup'

@description('Optional. Azure region of every resource; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Required. Short environment name used in resource names (for example dev or prod).')
@minLength(2)
@maxLength(8)
param environmentName string

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))

resource scanData 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: 'stscan${resourceToken}'
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

@description('The scan-data storage account name.')
output SCAN_STORAGE_ACCOUNT_NAME string = scanData.name
