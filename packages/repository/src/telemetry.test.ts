import { InMemoryEventStore } from '@flowra/eventstore-core';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventSourcedRepository } from './event-sourced-repository.js';
import { Note, NoteAggregate } from './testing/note.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => context.disable());
beforeEach(() => exporter.reset());

function spans(name: string) {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}

describe('repository spans', () => {
  it('load tells where it started from and how many events it replayed', async () => {
    const store = new InMemoryEventStore({ tracerProvider });
    const repo = new EventSourcedRepository<Note>({
      store,
      aggregate: NoteAggregate,
      snapshots: { every: 3 },
      cacheSize: 0,
      tracerProvider,
    });
    const note = Note.create('n1', 'One');
    await repo.save(note);
    for (const title of ['Two', 'Three', 'Four']) await repo.update('n1', (n) => n.rename(title));
    exporter.reset();
    await repo.load('n1');
    const [load] = spans('load Note');
    expect(load?.attributes).toMatchObject({
      'flowra.aggregate.type': 'Note',
      'flowra.stream.id': repo.streamIdOf('n1'),
      'flowra.snapshot.used': true,
      'flowra.snapshot.version': 3,
      'flowra.cache.hit': false,
      'flowra.events.replayed': 1,
      'flowra.stream.version': 4,
    });
    // The store's read runs inside the load span.
    const [read] = spans('readStream');
    expect(read?.parentSpanContext?.spanId).toBe(load?.spanContext().spanId);
  });

  it('save is the parent of the append; update counts its retries', async () => {
    const store = new InMemoryEventStore({ tracerProvider });
    const repo = new EventSourcedRepository<Note>({
      store,
      aggregate: NoteAggregate,
      tracerProvider,
    });
    await repo.save(Note.create('n2', 'One'));
    const [save] = spans('save Note');
    const [append] = spans('append');
    expect(append?.parentSpanContext?.spanId).toBe(save?.spanContext().spanId);
    expect(save?.attributes).toMatchObject({ 'flowra.event.count': 1, 'flowra.stream.version': 1 });

    exporter.reset();
    let interfered = false;
    await repo.update('n2', async (n) => {
      if (!interfered) {
        interfered = true;
        await store.append(repo.streamIdOf('n2'), [
          { type: 'NoteRenamed', data: { title: 'Elsewhere' } },
        ]);
      }
      n.rename('Mine');
    });
    const [update] = spans('update Note');
    expect(update?.attributes['flowra.retries']).toBe(1);
    const saves = spans('save Note');
    expect(saves.map((s) => s.attributes['error.type'])).toEqual(['ConcurrencyError', undefined]);
  });

  it('update that gives up says so to the logger', async () => {
    const store = new InMemoryEventStore();
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const log = (fields: Record<string, unknown>, message: string) =>
      void lines.push({ fields, message });
    const repo = new EventSourcedRepository<Note>({
      store,
      aggregate: NoteAggregate,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    await repo.save(Note.create('n3', 'One'));
    await expect(
      repo.update(
        'n3',
        async (n) => {
          await store.append(repo.streamIdOf('n3'), [
            { type: 'NoteRenamed', data: { title: 'Elsewhere' } },
          ]);
          n.rename('Mine');
        },
        { retries: 1 },
      ),
    ).rejects.toMatchObject({ name: 'ConcurrencyError' });
    expect(lines.map((l) => l.message)).toEqual([
      'update gave up: the stream kept changing under it',
    ]);
    expect(lines[0]!.fields).toMatchObject({
      aggregateType: 'Note',
      aggregateId: 'n3',
      attempts: 2,
    });
  });
});
