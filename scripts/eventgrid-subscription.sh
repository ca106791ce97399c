#!/usr/bin/env bash
# Subscribes the Functions blob trigger (ScanUploaded, Source = EventGrid) to BlobCreated events of the scans container.
# Run by azd after deploy (azure.yaml postdeploy); idempotent, so it can be rerun by hand with the same variables.
# Needs: az (logged in), and the azd outputs AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_FUNCTION_APP_HOSTNAME,
# EVENTGRID_SYSTEM_TOPIC_NAME, EVENTGRID_DEADLETTER_CONTAINER_ID (azd exports them; otherwise `azd env get-values`).
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?}" "${AZURE_FUNCTION_APP_NAME:?}" "${AZURE_FUNCTION_APP_HOSTNAME:?}"
: "${EVENTGRID_SYSTEM_TOPIC_NAME:?}" "${EVENTGRID_DEADLETTER_CONTAINER_ID:?}"
function_name="${SCAN_UPLOADED_FUNCTION_NAME:-ScanUploaded}"
subscription_name="${EVENTGRID_SUBSCRIPTION_NAME:-scans-blob-created}"

# The blobs_extension system key appears when the host first loads the blob extension after a deploy: wait for it.
key=""
for attempt in $(seq 1 30); do
  key="$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)"
  [ -n "$key" ] && break
  echo "waiting for the blobs_extension system key ($attempt/30)..."
  sleep 10
done
if [ -z "$key" ]; then
  echo "error: the function app has no blobs_extension system key; is the Functions code deployed?" >&2
  exit 1
fi

# The key is part of the webhook URL; never print it.
endpoint="https://${AZURE_FUNCTION_APP_HOSTNAME}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

az eventgrid system-topic event-subscription create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENTGRID_SYSTEM_TOPIC_NAME" \
  --name "$subscription_name" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --event-delivery-schema eventgridschema \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with /blobServices/default/containers/scans/ \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --deadletter-identity systemassigned \
  --deadletter-identity-endpoint "$EVENTGRID_DEADLETTER_CONTAINER_ID" \
  --output none

echo "Event Grid subscription '$subscription_name' delivers BlobCreated events of scans/ to $function_name."
