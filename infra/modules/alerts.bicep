metadata name = 'alerts'
metadata description = 'Operational alerts: every path on which the system sets work aside (dead letters, poison queues, expired jobs, dropped events) or keeps failing (worker faults and restarts, API server errors, failed timer runs), a scan-job backlog that does not drain, Storage queue messages that stay for hours and a missing storage table fire an Azure Monitor alert, sent to an action group when e-mail addresses are given.'

@description('Required. Name prefix of the alert rules (the resource token).')
param namePrefix string

@description('Required. Azure region (log search alert rules are regional; metric alerts and the action group are global).')
param location string

@description('Optional. Tags for every resource.')
param tags object = {}

@description('Optional. E-mail addresses that receive the alerts; with none, alerts still fire and show in Azure Monitor.')
param emailAddresses string[] = []

@description('Required. Resource id of the Application Insights component that the apps log to (log search alerts query it).')
param applicationInsightsId string

@description('Required. Resource id of the identity the log search alerts query with (Monitoring Reader on the component).')
param alertsIdentityId string

@description('Required. Resource id of the Service Bus namespace.')
param serviceBusId string

@description('Required. The ScanJob queue.')
param queueName string

@description('Required. Resource id of the Event Grid system topic on the scan-data account.')
param eventGridTopicId string

@description('Required. Resource id of the GPU worker container app.')
param workerAppId string

@description('Required. Resource id of the scan-data storage account (its queues: bulk-reprocess, archive-deletions and their poison queues, webjobs-blobtrigger-poison).')
param scanStorageId string

@description('Optional. Dead-lettered ScanJobs that may wait unreviewed before alerting. Every rejected upload (bad input) is dead-lettered with its reason, so a few are normal; jobs the system itself gave up on alert at once (jobs-gave-up).')
@minValue(0)
param deadLetteredScanJobsThreshold int = 50

@description('Optional. Active ScanJobs in the queue that, when the queue never holds fewer for a whole hour, mean the worker pool is not keeping up (down, not scaling, out of GPU quota). Keep it above the backlog at which KEDA already runs every replica (messages per replica x most replicas), and at or above Bulk__MaxOutstandingJobs, the most a bulk run keeps unfinished.')
@minValue(1)
param scanJobBacklogThreshold int = 100

@description('Optional. Messages in the scan-data account\'s Storage queues, on average over 6 hours, above which the storage-queues-backlog alert fires. A healthy deployment holds for hours at most one step message per running bulk run; archive deletion events drain within minutes; poison messages stay until an operator deletes them. Queues that stop with this many messages or fewer are not reported, and more bulk runs than this at once fire it.')
@minValue(0)
param storageQueueBacklogThreshold int = 2

@description('Optional. Worker faults (transient failures retried, a model that does not load) tolerated per 15 minutes before alerting.')
@minValue(0)
param workerFaultsPerQuarterHour int = 3

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(emailAddresses)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'synomaly'
    enabled: true
    emailReceivers: [for (address, i) in emailAddresses: {
      name: 'email-${i}'
      emailAddress: address
      useCommonAlertSchema: true
    }]
  }
}

var actions = empty(emailAddresses) ? [] : [{ actionGroupId: actionGroup.id }]

// ---------- Platform metrics ----------

var metricRules = [
  {
    name: 'scan-jobs-dead-lettered'
    description: 'Dead-lettered ScanJobs pile up in ${queueName}/$deadletterqueue: each is a job that ended Failed (its record says why, mostly rejected uploads) or a message that was not a ScanJob. Review and purge them (docs/DEPLOY.md, Alerts).'
    severity: 3
    scope: serviceBusId
    metricNamespace: 'Microsoft.ServiceBus/namespaces'
    metricName: 'DeadletteredMessages'
    dimensions: [{ name: 'EntityName', operator: 'Include', values: [queueName] }]
    timeAggregation: 'Maximum'
    threshold: deadLetteredScanJobsThreshold
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'scan-jobs-backlog'
    // Nothing fails when no worker takes jobs (the pool down, KEDA not scaling, the GPU quota spent): they just wait,
    // and the first other alert would be jobs-expired, jobTimeToLiveHours later. ActiveMessages is a gauge Service Bus
    // samples every minute per entity (EntityName). Minimum over the window fires only if the queue never got down to
    // the threshold in the whole hour: a burst of uploads that the pool drains within the hour keeps the hour's
    // minimum low, where Maximum or Average would fire on the burst itself. An hour leaves a healthy pool time to clear
    // the bursts it is sized for and is short against the jobs' time to live (48 hours by default), so a stalled pool is
    // reported long before its jobs expire; a crashing or cut-off worker shows sooner in worker-restarts or
    // worker-cannot-receive.
    // A window without data points (no metric emitted) is not a breach: the rule stays quiet, never rings for a
    // namespace that stops reporting, and jobs-expired stays the backstop for that case.
    description: 'ScanJobs have waited in ${queueName} for an hour without the queue ever falling to the threshold: the GPU worker pool is not taking them or cannot keep up (replicas down or not scaling, GPU quota spent). One bulk reprocessing run does not: it keeps at most Bulk__MaxOutstandingJobs of its jobs unfinished, at most the threshold, and waits for the pool (two overlapping runs hold a window each and can). Jobs expire unprocessed after their time to live (docs/DEPLOY.md, Alerts).'
    severity: 2
    scope: serviceBusId
    metricNamespace: 'Microsoft.ServiceBus/namespaces'
    metricName: 'ActiveMessages'
    dimensions: [{ name: 'EntityName', operator: 'Include', values: [queueName] }]
    timeAggregation: 'Minimum'
    threshold: scanJobBacklogThreshold
    windowSize: 'PT1H'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'blob-events-dead-lettered'
    description: 'Event Grid could not deliver blob events and wrote them to the eventgrid-deadletter container: uploads are picked up by the upload reconciliation and archive deletions are put back on their queue within the hour (ReplayArchiveDeadLetters); find why delivery failed (docs/DEPLOY.md, Alerts).'
    severity: 2
    scope: eventGridTopicId
    metricNamespace: 'Microsoft.EventGrid/systemTopics'
    metricName: 'DeadLetteredCount'
    dimensions: []
    timeAggregation: 'Total'
    threshold: 0
    windowSize: 'PT1H'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'blob-events-dropped'
    description: 'Event Grid dropped blob events without a dead letter: check the subscriptions and the dead-letter container\'s role.'
    severity: 1
    scope: eventGridTopicId
    metricNamespace: 'Microsoft.EventGrid/systemTopics'
    metricName: 'DroppedEventCount'
    dimensions: []
    timeAggregation: 'Total'
    threshold: 0
    windowSize: 'PT1H'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'worker-restarts'
    description: 'GPU worker replicas keep restarting (crashes, failed probes, out of memory): jobs wait and may expire.'
    severity: 2
    scope: workerAppId
    metricNamespace: 'Microsoft.App/containerApps'
    metricName: 'RestartCount'
    dimensions: []
    timeAggregation: 'Total'
    threshold: 2
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'storage-queues-backlog'
    // Nothing fails when the Functions app stops taking messages from its Storage queues (the app stopped, its queue
    // listener cut off by a role or the network): archive deletion events wait on archive-deletions, so patient data is
    // not erased, and no log line says so. Storage reports QueueMessageCount as a capacity metric, about once an hour,
    // for the whole account (no per-queue dimension) and with Average as its only aggregation. A window of one hour would
    // hold one data point, a burst as much as a backlog; six hours average several, and an hourly evaluation is as often
    // as new data comes (a window must also be one of Azure Monitor's: 1 hour, then 6). The threshold sits above what a
    // healthy deployment keeps for hours: one bulk-reprocess step message per running bulk run.
    // One count for all queues cannot tell a stall from healthy work, and nothing deployed counts per queue: Storage's
    // queue metrics have no dimension, and Transactions' dimensions (API, response type, authentication) name no queue.
    // So the rule misses a queue that stops with up to the threshold of messages (one or two archive deletions not
    // erased: poison-messages reports those that fail, timer-runs-failed a replay that fails, but none a listener that
    // stopped), and threshold + 1 bulk runs at once fire it with nothing stuck (no guard refuses a second run, API.md).
    // The description says both with the deployed threshold; docs/DEPLOY.md, Alerts, says how to tell them apart.
    description: 'Messages have stayed in the scan-data account\'s Storage queues for hours (QueueMessageCount, reported hourly for all queues together): archive-deletions not drained means archived files\' results are not erased; bulk-reprocess holds one step message per running bulk run; the poison queues archive-deletions-poison and webjobs-blobtrigger-poison keep messages until an operator deletes them, and ReplayArchiveDeadLetters puts archive-deletions-poison back on archive-deletions each hour; BulkReprocessStepPoisoned empties bulk-reprocess-poison at once, so a message staying there is one it cannot decode (not base64), to be deleted by hand. Find the queue that holds them (docs/DEPLOY.md, Alerts). Storage counts the queues together, so a queue that stops draining with ${storageQueueBacklogThreshold} messages or fewer is not reported, and ${storageQueueBacklogThreshold + 1} or more bulk runs at once (one step message each, for hours) fire it with nothing stuck (GET /api/reprocess/{runId} shows a run\'s state).'
    severity: 2
    scope: '${scanStorageId}/queueServices/default'
    metricNamespace: 'Microsoft.Storage/storageAccounts/queueServices'
    metricName: 'QueueMessageCount'
    dimensions: []
    timeAggregation: 'Average'
    threshold: storageQueueBacklogThreshold
    windowSize: 'PT6H'
    evaluationFrequency: 'PT1H'
  }
]

resource metricAlerts 'Microsoft.Insights/metricAlerts@2018-03-01' = [for rule in metricRules: {
  name: 'alert-${rule.name}-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [rule.scope]
    evaluationFrequency: rule.evaluationFrequency
    windowSize: rule.windowSize
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: rule.metricName
          metricNamespace: rule.metricNamespace
          metricName: rule.metricName
          dimensions: rule.dimensions
          operator: 'GreaterThan'
          threshold: rule.threshold
          timeAggregation: rule.timeAggregation
        }
      ]
    }
    actions: actions
  }
}]

// ---------- Application logs (Application Insights; the messages are the apps' own log templates) ----------

var logRules = [
  {
    name: 'jobs-expired'
    description: 'Jobs expired unprocessed (ExpireStaleJobs marked them Failed as Expired): the worker pool was down or the backlog outlasted the message time to live. Retry them with POST /api/scans/retry-failed (docs/API.md).'
    severity: 2
    query: 'traces | where message has "marked Failed (Expired)"'
    threshold: 0
  }
  {
    name: 'jobs-gave-up'
    description: 'The worker failed a job because the system kept failing it (faults on every delivery, or a worker that died on each attempt), not because of its input. Find the cause, then POST /api/scans/retry-failed with its error code (docs/API.md).'
    severity: 1
    query: 'traces | where message has "gave up after"'
    threshold: 0
  }
  {
    name: 'worker-faults'
    description: 'The GPU worker keeps hitting faults it retries (storage, device, lock loss, a Failed record it cannot write) or cannot load its model.'
    severity: 2
    query: 'traces | where message has "abandoning for redelivery" or message has "The model could not be loaded" or message has "The job handler threw" or message has "message lock lost" or message has "could not be marked Failed"'
    threshold: workerFaultsPerQuarterHour
  }
  {
    name: 'worker-cannot-receive'
    // Each of the worker's receive loops logs this once per failed receive, about every 2 s while it lasts, so a blip
    // of a few seconds stays under the threshold and a lasting fault (a missing Data Receiver role, private DNS, the
    // network) fires within one evaluation. Readiness fails too, but Container Apps restarts no replica for that, and
    // KEDA keeps GPU replicas up for the unread messages: without this alert the first sign would be jobs-expired, two
    // days later.
    description: 'The GPU worker cannot receive ScanJobs from the Service Bus queue: scans wait, and GPU replicas run idle. Check the worker identity\'s Azure Service Bus Data Receiver role on the queue, the private endpoint and DNS, and the ErrorType in the messages.'
    severity: 1
    query: 'traces | where message has "Receiving from the queue failed"'
    threshold: 20
  }
  {
    name: 'poison-messages'
    // The attempt counts are host.json's (extensions.queues.maxDequeueCount, extensions.blobs.poisonBlobThreshold).
    description: 'A function failed on one message as often as host.json allows and the Functions host moved the message to a poison queue: a queue trigger 10 times, a minute apart (bulk-reprocess-poison, archive-deletions-poison), the blob trigger 3 times (webjobs-blobtrigger-poison).'
    severity: 2
    query: 'traces | where message has "Moving message to queue"'
    threshold: 0
  }
  {
    name: 'timer-runs-failed'
    // A timer has no poison queue (only BulkReprocessTimer retries, 5 times), so a sweep that throws on every run would
    // fail unseen. The Functions host records each run as a request named after the function, success false when it
    // threw; its resultCode is no HTTP status, so api-server-errors never sees it. One failed run alerts: the next may be
    // an hour or a day away. Every timer function is listed: AlertsTests reads them from the built app, so a new timer
    // fails the tests until it is added here.
    description: 'A timer function failed a run: ExpireStaleJobs (stale jobs stay Queued or Processing), ReconcileUploads (uploads whose blob event was lost are not resubmitted), ReplayArchiveDeadLetters (undeliverable archive deletions are not replayed, their results not erased) or BulkReprocessTimer (no nightly reprocessing). The operation\'s exceptions say why (docs/DEPLOY.md, Alerts).'
    severity: 2
    query: 'requests | where success == false and operation_Name in ("BulkReprocessTimer", "ExpireStaleJobs", "ReconcileUploads", "ReplayArchiveDeadLetters")'
    threshold: 0
  }
  {
    name: 'storage-table-missing'
    // Every function that meets a missing jobs or bulkruns table logs one Error with this phrase and goes on without it
    // (an upload kept for the reconciliation, a bulk step completed, an archive deletion put back, a sweep from the start,
    // a 503 answer): none of them reaches a poison queue or fails a run any more, so without this rule a deployment with
    // little API traffic would show the fault nowhere. AlertsTests checks that every such Error carries the phrase.
    description: 'A storage table the apps need (jobs, or bulkruns: bulk runs and the sweeps\' saved places) does not exist in the storage account they are connected to: uploads wait for the reconciliation, the API answers 503, bulk steps and archive deletions are held back. Check the ScansStorage connection setting and restore the table (the Bicep templates create it); the messages name the table.'
    severity: 1
    query: 'traces | where message has "an incomplete deployment or a deleted table"'
    threshold: 0
  }
  {
    name: 'api-server-errors'
    description: 'The HTTP API answered with server errors (5xx): portals cannot upload or read results.'
    severity: 2
    query: 'requests | where toint(resultCode) >= 500'
    threshold: 0
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in logRules: {
  name: 'alert-${rule.name}-${namePrefix}'
  location: location
  tags: tags
  kind: 'LogAlert'
  // Application Insights accepts Entra ID only (local auth off), so the rule queries with its own identity.
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${alertsIdentityId}': {} }
  }
  properties: {
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: rule.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: empty(emailAddresses) ? [] : [actionGroup.id] }
  }
}]

@description('The action group\'s resource id, or empty when no e-mail address was given.')
output actionGroupId string = empty(emailAddresses) ? '' : actionGroup.id
