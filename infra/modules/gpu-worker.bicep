metadata name = 'gpu-worker'
metadata description = 'The GPU worker container app: serverless GPU profile, image pulled with its identity, scaled 0..N by a KEDA azure-servicebus rule that authenticates with a managed identity, HTTP health probes, identity-based settings (docs/SETTINGS.md).'

@description('Required. Container app name.')
param name string

@description('Required. Azure region.')
param location string

@description('Optional. Tags for every resource; the app also gets azd-service-name.')
param tags object = {}

@description('Optional. azd service name in azure.yaml that deploys into this app.')
param serviceName string = 'gpuworker'

@description('Required. Container Apps environment resource id.')
param environmentId string

@description('Required. GPU workload profile name in the environment.')
param workloadProfileName string

@description('Optional. Container image; azd deploy replaces it with the image it builds from src/GpuWorker/Dockerfile.')
param image string = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Required. Registry login server the image is pulled from.')
param registryLoginServer string

@description('Required. The worker\'s user-assigned identity: resource id and client id.')
param workerIdentity { resourceId: string, clientId: string }

@description('Required. Resource id of the identity the KEDA scale rule uses (it may read the queue\'s message count).')
param scalerIdentityId string

@description('Required. Service Bus namespace name (the KEDA rule\'s namespace) and host name.')
param serviceBus { name: string, fullyQualifiedNamespace: string, queueName: string }

@description('Required. Scan-data storage endpoints (ScansStorage): blob, queue and table.')
param scanStorage { blob: string, queue: string, table: string }

@description('Required. Application Insights component name (telemetry with Entra ID authentication).')
param applicationInsightsName string

@description('Optional. vCPUs per replica; must fit the GPU profile (8 for NC8as-T4, 24 for NC24-A100).')
param cpu string = '8'

@description('Optional. Memory per replica; must fit the GPU profile (56Gi for NC8as-T4, 220Gi for NC24-A100).')
param memory string = '56Gi'

@description('Optional. Fewest replicas; 0 scales the GPU to zero when the queue is empty.')
@minValue(0)
param minReplicas int = 0

@description('Optional. Most replicas (each holds one GPU; bounded by the subscription\'s serverless GPU quota).')
@minValue(1)
@maxValue(100)
param maxReplicas int = 4

@description('Optional. Queue messages per replica before KEDA adds another.')
@minValue(1)
param messagesPerReplica int = 8

@description('Optional. Seconds without messages before scaling back to the minimum (GPU cold starts are slow).')
@minValue(30)
param cooldownSeconds int = 600

@description('Optional. Port of the worker\'s HTTP health endpoints (/healthz and /readyz).')
param healthPort int = 8080

@description('Optional. The worker\'s graceful shutdown deadline in seconds (Worker__ShutdownDeadlineSeconds); the platform waits 30 s longer before it kills the replica.')
@minValue(5)
param shutdownDeadlineSeconds int = 60

@description('Required. Application settings of the worker options (Worker__*, Model__*; see docs/SETTINGS.md).')
param workerOptions object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var connectionSettings = {
  ScansStorage__blobServiceUri: scanStorage.blob
  ScansStorage__queueServiceUri: scanStorage.queue
  ScansStorage__tableServiceUri: scanStorage.table
  ScansStorage__credential: 'managedidentity'
  ScansStorage__clientId: workerIdentity.clientId
  Messaging__fullyQualifiedNamespace: serviceBus.fullyQualifiedNamespace
  Messaging__credential: 'managedidentity'
  Messaging__clientId: workerIdentity.clientId
  // Two identities are attached (worker and scaler): name the one the code's credentials use.
  AZURE_CLIENT_ID: workerIdentity.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${workerIdentity.clientId};Authorization=AAD'
  // The port Kestrel listens on is the port the probes call, whatever the base image's default.
  ASPNETCORE_HTTP_PORTS: string(healthPort)
}

// Settings known only at deployment time (endpoints, client ids) cannot drive a loop, so the two parts are built apart.
var connectionEnv = map(items(connectionSettings), setting => { name: setting.key, value: setting.value })
var optionEnv = [for setting in items(workerOptions): { name: setting.key, value: string(setting.value) }]

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${workerIdentity.resourceId}': {}
      '${scalerIdentityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      // The scaler identity owns the queue (KEDA reads its message count); the worker code parses untrusted scans, so
      // only the platform's scale rule may use it: no token for it inside the container.
      identitySettings: [
        {
          identity: scalerIdentityId
          lifecycle: 'None'
        }
      ]
      // No ingress: the worker only pulls from the queue. Probes reach the container port directly.
      registries: [
        {
          server: registryLoginServer
          identity: workerIdentity.resourceId
        }
      ]
    }
    template: {
      terminationGracePeriodSeconds: shutdownDeadlineSeconds + 30
      containers: [
        {
          name: 'gpu-worker'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(connectionEnv, optionEnv)
          // Container Apps accepts failureThreshold 1..10, periodSeconds 1..240, timeoutSeconds 1..240 and
          // initialDelaySeconds 1..60 (ContainerAppProbe); a value outside them rejects the deployment.
          probes: [
            {
              // /healthz checks no dependency: it answers once Kestrel listens, seconds after the process starts, so this
              // catches a process that never comes up (100 s). It fails only once the model load has failed for good, so
              // the platform restarts such a replica (here or through liveness); readiness tracks a load in progress.
              type: 'Startup'
              httpGet: { path: '/healthz', port: healthPort }
              periodSeconds: 10
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: { path: '/healthz', port: healthPort }
              periodSeconds: 30
              failureThreshold: 3
            }
            {
              // /readyz is ready once the model is loaded and warmed up and the queue answers. Its queue check waits up to
              // 5 s, longer than the probe's default 1 s timeout, which would time a healthy worker out.
              type: 'Readiness'
              httpGet: { path: '/readyz', port: healthPort }
              periodSeconds: 10
              timeoutSeconds: 8
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        cooldownPeriod: cooldownSeconds
        pollingInterval: 15
        rules: [
          {
            name: 'scan-jobs-queue'
            custom: {
              type: 'azure-servicebus'
              metadata: {
                namespace: serviceBus.name
                queueName: serviceBus.queueName
                messageCount: string(messagesPerReplica)
              }
              // Managed identity instead of a connection-string secret (the namespace has local auth off).
              identity: scalerIdentityId
            }
          }
        ]
      }
    }
  }
}

@description('The container app resource id.')
output resourceId string = app.id

@description('The container app name.')
output name string = app.name
