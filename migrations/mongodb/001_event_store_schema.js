// Flowra event store schema, for mongosh:
//   mongosh "$MONGODB_URI" migrations/mongodb/001_event_store_schema.js
// The same schema is applied from code by `migrate()` in @flowra/eventstore-mongo (and by
// `flowra migrate`); a unit test keeps the two in step. Idempotent: re-running changes nothing.

const events = db.getCollection('events');
const snapshots = db.getCollection('snapshots');

// One document per append (a commit): { aggregate_id, aggregate_type, version, last_version,
// position, last_position, created_at, events: [{ event_id, event_type, version, data,
// metadata: { timestamp, user_id, correlation_id, causation_id, tenant_id, ... }, created_at }] }
events.createIndex({ aggregate_id: 1, version: 1 }, { name: 'aggregate_version_unique', unique: true });
events.createIndex({ position: 1 }, { name: 'position_unique', unique: true });
events.createIndex({ aggregate_id: 1, last_version: 1 }, { name: 'aggregate_last_version' });
events.createIndex({ last_position: 1 }, { name: 'last_position' });
events.createIndex({ 'events.event_type': 1, last_position: 1 }, { name: 'event_type_last_position' });
events.createIndex({ aggregate_type: 1, created_at: 1 }, { name: 'aggregate_type_created_at' });
events.createIndex({ 'events.metadata.correlation_id': 1 }, { name: 'correlation_id' });
events.createIndex({ 'events.event_id': 1 }, { name: 'event_id' });
events.createIndex({ created_at: -1 }, { name: 'created_at_desc' });

// One snapshot per stream, keyed by the stream id (_id).
snapshots.createIndex({ version: 1 }, { name: 'version' });

// One document per event, in the shape of the original per-event schema, for ad-hoc queries.
if (!db.getCollectionNames().includes('events_flat')) {
  db.createView('events_flat', 'events', [
    { $unwind: '$events' },
    {
      $project: {
        _id: 0,
        event_id: '$events.event_id',
        aggregate_id: 1,
        aggregate_type: 1,
        event_type: '$events.event_type',
        version: '$events.version',
        position: { $add: ['$position', { $subtract: ['$events.version', '$version'] }] },
        data: '$events.data',
        metadata: '$events.metadata',
        created_at: '$events.created_at',
      },
    },
  ]);
}
