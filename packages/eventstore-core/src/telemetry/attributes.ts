/**
 * Names of the attributes Flowra puts on spans and metrics. OpenTelemetry's semantic
 * conventions where one exists (databases, messaging, errors), `flowra.*` for the rest.
 */
export const FlowraAttributes = {
  DB_SYSTEM_NAME: 'db.system.name',
  DB_OPERATION_NAME: 'db.operation.name',
  DB_COLLECTION_NAME: 'db.collection.name',
  DB_NAMESPACE: 'db.namespace',
  ERROR_TYPE: 'error.type',
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_CONSUMER_GROUP_NAME: 'messaging.consumer.group.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  STREAM_ID: 'flowra.stream.id',
  EXPECTED_VERSION: 'flowra.expected_version',
  EVENT_COUNT: 'flowra.event.count',
  EVENT_TYPE: 'flowra.event.type',
  STREAM_VERSION: 'flowra.stream.version',
  LOG_POSITION: 'flowra.log.position',
  PLACEMENT_RETRIES: 'flowra.append.placement_retries',
  BATCH_SIZE: 'flowra.append.batch_size',
  CONFLICT: 'flowra.append.conflict',
  READ_EVENTS: 'flowra.read.event_count',
  SUBSCRIPTION_NAME: 'flowra.subscription.name',
  PROJECTION_NAME: 'flowra.projection.name',
  AGGREGATE_TYPE: 'flowra.aggregate.type',
  SNAPSHOT_USED: 'flowra.snapshot.used',
  SNAPSHOT_VERSION: 'flowra.snapshot.version',
  EVENTS_REPLAYED: 'flowra.events.replayed',
  CACHE_HIT: 'flowra.cache.hit',
  RETRIES: 'flowra.retries',
  READ_MODEL_COLLECTION: 'flowra.read_model.collection',
} as const;

/** Metric names; units follow OpenTelemetry's (seconds for durations). */
export const FlowraMetrics = {
  APPEND_DURATION: 'flowra.append.duration',
  EVENTS_APPENDED: 'flowra.events.appended',
  APPEND_CONFLICTS: 'flowra.append.conflicts',
  PLACEMENT_RETRIES: 'flowra.append.placement_retries',
  BATCH_SIZE: 'flowra.append.batch_size',
  SUBSCRIPTION_LAG_EVENTS: 'flowra.subscription.lag.events',
  SUBSCRIPTION_LAG_SECONDS: 'flowra.subscription.lag.seconds',
  PROJECTION_LAG_EVENTS: 'flowra.projection.lag.events',
  PROJECTION_LAG_SECONDS: 'flowra.projection.lag.seconds',
  READ_MODEL_WRITES: 'flowra.read_model.writes',
} as const;

/** `messaging.destination.name` of a subscription to the whole log. */
export const ALL_STREAMS_DESTINATION = '$all';
