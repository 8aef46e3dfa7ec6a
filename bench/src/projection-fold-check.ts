import type { EventStore } from '@flowra/eventstore-core';
import { ProjectionReader, type ReadModelStore } from '@flowra/projections';
import { type StreamPositions, TAKEOVER_COLLECTION } from './stress-projection.js';

export interface FoldCheck {
  events: number;
  documents: number;
  /** Events of the log missing from their stream's document. */
  lost: number;
  /** Extra applications of an event already in its document. */
  appliedTwice: number;
  /** Anything else that differs from a fold of the log (order, count, foreign positions). */
  findings: string[];
}

/** Each stream's document must list exactly its events' positions, in order, each once. */
export async function checkFold(
  store: EventStore,
  readModels: ReadModelStore,
  projection: string,
): Promise<FoldCheck> {
  const expected = new Map<string, number[]>();
  let events = 0;
  for await (const event of store.readAll()) {
    const positions = expected.get(event.streamId) ?? [];
    positions.push(event.position);
    expected.set(event.streamId, positions);
    events++;
  }
  const docs = await new ProjectionReader(readModels, projection).find<StreamPositions>(
    TAKEOVER_COLLECTION,
  );
  const findings: string[] = [];
  let lost = 0;
  let appliedTwice = 0;
  for (const doc of docs) {
    const want = expected.get(doc._id);
    expected.delete(doc._id);
    if (!want) {
      findings.push(`a document for '${doc._id}', which has no events`);
      continue;
    }
    const seen = new Map<number, number>();
    for (const p of doc.positions) seen.set(p, (seen.get(p) ?? 0) + 1);
    const wanted = new Set(want);
    for (const [p, times] of seen) {
      if (times > 1) appliedTwice += times - 1;
      if (!wanted.has(p)) findings.push(`'${doc._id}' lists position ${p}, not one of its events`);
    }
    const missing = want.filter((p) => !seen.has(p));
    lost += missing.length;
    if (missing.length > 0) {
      findings.push(`'${doc._id}' misses positions ${missing.slice(0, 5).join(', ')}`);
    }
    if (doc.positions.some((p, i) => i > 0 && p <= doc.positions[i - 1]!)) {
      findings.push(`'${doc._id}' lists its positions out of order`);
    }
    if (doc.count !== doc.positions.length) {
      findings.push(`'${doc._id}' counts ${doc.count} events but lists ${doc.positions.length}`);
    }
    if (doc.lastPosition !== want.at(-1)) {
      findings.push(
        `'${doc._id}' has lastPosition ${doc.lastPosition}, its last event is ${want.at(-1)}`,
      );
    }
  }
  for (const [streamId, want] of expected) {
    lost += want.length;
    findings.push(`no document for '${streamId}' (${want.length} events)`);
  }
  return { events, documents: docs.length, lost, appliedTwice, findings };
}
