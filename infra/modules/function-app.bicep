metadata name = 'function-app'
metadata description = 'The Functions app on Flex Consumption: a user-assigned identity for the host, the deployment package and every connection; identity-based settings only (names in docs/SETTINGS.md); optionally App Service Authentication with Entra ID for the HTTP API.'

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

@description('Optional. Client id of the Entra ID app registration that represents the HTTP API. Set: App Service Authentication admits only callers with a valid bearer token for it (401 otherwise; /api/health and the blob trigger\'s Event Grid webhook excepted) and the app checks their app roles (Api__RequireAppRoles). Empty: neither; function keys stay the only gate.')
param apiAuthClientId string = ''

@description('Optional. Tenant of the API\'s app registration.')
param apiAuthTenantId string = tenant().tenantId

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

// The role check reads X-MS-CLIENT-PRINCIPAL, which only App Service Authentication makes trustworthy (it validates the
// token, then sets the header and drops one a client sent): one parameter switches both, so neither runs without the other.
var requireAppRoles = !empty(apiAuthClientId)

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: union(connectionSettings, appOptions, requireAppRoles ? { Api__RequireAppRoles: 'true' } : {})
  // Authentication first: until it runs, a role check would trust any header a caller sends.
  dependsOn: [authSettings]
}

// Bearer-token validation only: no sign-in flow, so no client secret and no token store (nothing secret in settings).
resource authSettings 'Microsoft.Web/sites/config@2024-11-01' = if (requireAppRoles) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      // An API: a caller without a valid token gets 401, not a redirect to a sign-in page.
      unauthenticatedClientAction: 'Return401'
      // Liveness probes carry no token; the health function touches nothing. Event Grid delivers BlobCreated to the blob
      // trigger's webhook (scripts/eventgrid-subscription.sh) with no token either, only the blobs_extension system key in
      // the URL, which the Functions host still checks: behind authentication the subscription's validation and every
      // delivery would get 401 and intake would stop. No other trigger of the app is called over HTTP.
      excludedPaths: ['/api/health', '/runtime/webhooks/blobs']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiAuthClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${apiAuthTenantId}/v2.0'
        }
        // v2.0 access tokens name the API by its client id, v1.0 tokens by its application id URI.
        validation: { allowedAudiences: [apiAuthClientId, 'api://${apiAuthClientId}'] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
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
