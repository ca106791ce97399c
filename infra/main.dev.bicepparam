using 'main.bicep'

// Development: smallest footprint, public endpoints (Entra ID only), T4 serverless GPU, scale to zero.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param operatorPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param modelVersion = readEnvironmentVariable('SYNOMALY_MODEL_VERSION', 'v1')
param workerModelVersion = readEnvironmentVariable('SYNOMALY_WORKER_MODEL_VERSION', '')
param workerImage = readEnvironmentVariable('SERVICE_GPUWORKER_IMAGE_NAME', '')
// Only the first deployment of an environment may leave workerImage empty (the placeholder image; docs/DEPLOY.md).
param firstDeployment = readEnvironmentVariable('SYNOMALY_FIRST_DEPLOYMENT', 'false') == 'true'
// Comma-separated e-mail addresses for the operational alerts (docs/DEPLOY.md, "Alerts").
param alertEmailAddresses = empty(readEnvironmentVariable('SYNOMALY_ALERT_EMAILS', '')) ? [] : split(readEnvironmentVariable('SYNOMALY_ALERT_EMAILS', ''), ',')
// The API's Entra ID app registration (docs/DEPLOY.md, "Protect the API with Entra ID app roles"); empty: function keys only.
param apiAuthClientId = readEnvironmentVariable('SYNOMALY_API_CLIENT_ID', '')
// Comma-separated browser origins of the upload portals, admitted by the scan-data account's CORS rule (docs/DEPLOY.md,
// "Upload portal origins"); the local portal's dev server by default. Set to an empty value for no rule (no browser upload).
param uploadPortalOrigins = empty(readEnvironmentVariable('SYNOMALY_UPLOAD_PORTAL_ORIGINS', 'http://localhost:5173')) ? [] : split(readEnvironmentVariable('SYNOMALY_UPLOAD_PORTAL_ORIGINS', 'http://localhost:5173'), ',')

param scanStorageSku = 'Standard_LRS'
param softDeleteRetentionDays = 7
param resultsDeleteAfterDays = 90
param uploadsDeleteAfterDays = 30
// Blob reads in StorageBlobLogs: the audit trail of who read scans and results, but each read of archive/ names its
// owner's file (docs/DEPLOY.md, "Archive file names outside the data account"). Writes and deletes are always logged.
param scanBlobReadLogs = true
param serviceBusSku = 'Standard'
param functionsMaximumInstanceCount = 40
param gpuWorkloadProfileType = 'Consumption-GPU-NC8as-T4'
param workerCpu = '8'
param workerMemory = '56Gi'
param workerMaxReplicas = 1
param enablePrivateNetworking = false
