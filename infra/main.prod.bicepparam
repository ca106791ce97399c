using 'main.bicep'

// Production-like: zone-redundant data with longer recovery windows, private networking, A100 serverless GPU.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param operatorPrincipalId = readEnvironmentVariable('SYNOMALY_OPERATOR_GROUP_ID', '')
param operatorPrincipalType = 'Group'
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
// "Upload portal origins"); a placeholder: set SYNOMALY_UPLOAD_PORTAL_ORIGINS to the real portals' origins. Set to an empty value for no rule (no browser upload).
param uploadPortalOrigins = empty(readEnvironmentVariable('SYNOMALY_UPLOAD_PORTAL_ORIGINS', 'https://upload-portal.hospital.example')) ? [] : split(readEnvironmentVariable('SYNOMALY_UPLOAD_PORTAL_ORIGINS', 'https://upload-portal.hospital.example'), ',')

param scanStorageSku = 'Standard_ZRS'
param softDeleteRetentionDays = 30
param resultsCoolAfterDays = 30
param resultsDeleteAfterDays = 730
param uploadsDeleteAfterDays = 730
// Blob reads in StorageBlobLogs: the audit trail of who read scans and results, but each read of archive/ names its
// owner's file (docs/DEPLOY.md, "Archive file names outside the data account"). Writes and deletes are always logged.
param scanBlobReadLogs = true
param logRetentionDays = 90
param serviceBusSku = 'Premium'
param functionsMaximumInstanceCount = 100
param gpuWorkloadProfileType = 'Consumption-GPU-NC24-A100'
param workerCpu = '24'
param workerMemory = '220Gi'
param workerMaxReplicas = 4
param enablePrivateNetworking = true
param vnetAddressPrefix = '10.40.0.0/16'
// The portal's upload clients (SAS PUT from browsers): replace with the hospital's egress ranges.
param uploadClientIpRanges = []
