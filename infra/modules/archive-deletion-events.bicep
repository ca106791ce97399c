metadata name = 'archive-deletion-events'
metadata description = 'Event Grid subscription that delivers BlobDeleted events of the archive container to the archive-deletions storage queue, with the system topic\'s identity (no keys). The Functions app then erases the results derived from the deleted source.'

@description('Required. Name of the Event Grid system topic on the scan-data account.')
param systemTopicName string

@description('Required. Resource id of the scan-data storage account (the queue and the dead-letter container are on it).')
param storageAccountId string

@description('Optional. Queue that receives the events (read by the ArchiveSourceDeleted queue trigger).')
param queueName string = 'archive-deletions'

@description('Optional. Container for events Event Grid could not deliver.')
param deadLetterContainerName string = 'eventgrid-deadletter'

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource archiveBlobDeleted 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'archive-blob-deleted'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobDeleted']
      subjectBeginsWith: '/blobServices/default/containers/archive/'
    }
    deliveryWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storageAccountId
          queueName: queueName
          // Never expire: an event waiting out a Functions outage must still erase its results afterwards.
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('The event subscription\'s name.')
output name string = archiveBlobDeleted.name
