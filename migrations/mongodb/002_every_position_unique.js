// Flowra event store schema, step 2, for mongosh (after 001):
//   mongosh "$MONGODB_URI" migrations/mongodb/002_every_position_unique.js
// `migrate()` in @flowra/eventstore-mongo (and `flowra migrate`) applies the same; a unit test
// keeps the two in step. Idempotent: re-running changes nothing.
//
// Each event of a commit carries its log position, and a unique index covers all of them: no
// position can be held by two events, even when a commit was deleted by hand and a writer
// placed a commit from an end it saw before. A second unique index keeps an event id to one
// event per stream, even when different appends reusing it race in several processes.
// Both are multikey unique indexes, which MongoDB enforces per array element; this script is
// for MongoDB only (`migrate()` probes other servers and leaves them out where they are unsound).

const events = db.getCollection('events');

// Commits written before events carried their position are left out of the index.
events.createIndex({ 'events.position': 1 }, { name: 'events_position_unique', unique: true, partialFilterExpression: { 'events.position': { $exists: true } } });
events.createIndex({ aggregate_id: 1, 'events.event_id': 1 }, { name: 'stream_event_id_unique', unique: true });

// What the store checks before it writes: that the schema was applied, and with which indexes.
db.getCollection('events_meta').updateOne(
  { _id: 'events' },
  {
    $set: {
      version: 2,
      uniqueMultikey: true,
      uniqueMultikeyDetail: 'enforces unique indexes per array element (MongoDB; applied by mongosh)',
      migratedAt: new Date(),
    },
  },
  { upsert: true },
);
