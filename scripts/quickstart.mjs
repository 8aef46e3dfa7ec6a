#!/usr/bin/env node
// Appends a few events to the in-memory store and reads them back.
import { InMemoryEventStore, collect } from '@flowra/eventstore-core';

const store = new InMemoryEventStore();
const chat = 'chat-1';
await store.append(
  chat,
  [
    { type: 'ChatCreated', data: { title: 'Launch plan', createdBy: 'ann' } },
    { type: 'MessagePosted', data: { text: 'Hello!', author: 'ann' } },
  ],
  'no_stream',
);
await store.append(chat, [{ type: 'ChatRenamed', data: { title: 'Launch plan v2' } }], 2);
try {
  await store.append(chat, [{ type: 'ChatRenamed', data: { title: 'stale' } }], 2);
} catch (error) {
  console.log(`conflict caught: ${error.name}: ${error.message}`);
}
for (const e of await collect(store.readAll())) {
  console.log(`#${e.position} ${e.streamId} v${e.version} ${e.type} ${JSON.stringify(e.data)}`);
}
await store.close();
