import { type EventStore, type RecordedEvent, collect } from '@flowra/eventstore-core';
import type { AttemptedBatch, Subscriber } from './stress-workload.js';

export interface CheckResult {
  storedEvents: number;
  acknowledgedEvents: number;
  acknowledgedBatches: number;
  /** Batches whose outcome the writer never learnt but which are stored (whole). */
  landedUnacknowledged: number;
  /** Must be 0: acknowledged events not stored, or events the subscription skipped. */
  lost: number;
  /** Must be 0: events stored or delivered more than once, positions held twice. */
  duplicated: number;
  /** Must be 0: holes in the log's positions or in a stream's versions. */
  gaps: number;
  /** Must be 0: batches partly stored, split across streams or not contiguous. */
  partialBatches: number;
  /** Must be 0: acknowledged results that do not match where the events are stored. */
  ackMismatches: number;
  /** Must be 0: stored events no writer sent, order or content differences between reads. */
  inconsistencies: number;
  subscriptionSaw: number;
  /** The first few violations, described. */
  findings: string[];
}

const MAX_FINDINGS = 12;

/**
 * Checks, through a client the faults never touched: every acknowledged event is stored
 * exactly once where its result said; every attempted batch is stored whole or not at all;
 * streams are 1..n; the log is 1..N; the subscription saw the log exactly, in order.
 */
export async function checkStore(
  store: EventStore,
  batches: readonly AttemptedBatch[],
  subscriber: Subscriber,
): Promise<CheckResult> {
  const r: CheckResult = {
    storedEvents: 0,
    acknowledgedEvents: 0,
    acknowledgedBatches: 0,
    landedUnacknowledged: 0,
    lost: 0,
    duplicated: 0,
    gaps: 0,
    partialBatches: 0,
    ackMismatches: 0,
    inconsistencies: 0,
    subscriptionSaw: subscriber.seen.length,
    findings: [],
  };
  const find = (message: string) => {
    if (r.findings.length < MAX_FINDINGS) r.findings.push(message);
  };

  const log = await collect(store.readAll());
  r.storedEvents = log.length;

  // The log: positions 1..N, each once, increasing.
  const byPosition = new Map<number, RecordedEvent>();
  let previous = 0;
  for (const event of log) {
    if (byPosition.has(event.position)) {
      r.duplicated++;
      find(
        `position ${event.position} is held twice (${byPosition.get(event.position)!.eventId}, ${event.eventId})`,
      );
    }
    byPosition.set(event.position, event);
    if (event.position <= previous) {
      r.inconsistencies++;
      find(`readAll went from position ${previous} back to ${event.position}`);
    }
    previous = event.position;
  }
  const head = log.length === 0 ? 0 : Math.max(...byPosition.keys());
  for (let p = 1; p <= head; p++) {
    if (!byPosition.has(p)) {
      r.gaps++;
      find(`log position ${p} is missing (head ${head})`);
    }
  }

  // Each stream: versions 1..n; getEvents agrees with the log.
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of log) {
    const list = streams.get(event.streamId) ?? [];
    list.push(event);
    streams.set(event.streamId, list);
  }
  for (const [streamId, events] of streams) {
    const versions = new Set<number>();
    for (const e of events) {
      if (versions.has(e.version)) {
        r.duplicated++;
        find(`stream ${streamId} holds version ${e.version} twice`);
      }
      versions.add(e.version);
    }
    const top = Math.max(...versions);
    for (let v = 1; v <= top; v++) {
      if (!versions.has(v)) {
        r.gaps++;
        find(`stream ${streamId} lacks version ${v} (of ${top})`);
      }
    }
    const read = await store.getEvents(streamId);
    const sameOrder =
      read.length === events.length &&
      read.every((e, i) => e.eventId === events[i]!.eventId && e.version === i + 1);
    if (!sameOrder) {
      r.inconsistencies++;
      find(
        `getEvents('${streamId}') returned ${read.length} events that differ from the log's ${events.length}`,
      );
    }
    if ((await store.getStreamVersion(streamId)) !== top) {
      r.inconsistencies++;
      find(`getStreamVersion('${streamId}') is not ${top}`);
    }
  }

  // Event ids: each stored once; each batch whole or absent; acknowledged ones where the result said.
  const byId = new Map<string, RecordedEvent[]>();
  for (const event of log) {
    const list = byId.get(event.eventId) ?? [];
    list.push(event);
    byId.set(event.eventId, list);
  }
  for (const [id, copies] of byId) {
    if (copies.length > 1) {
      r.duplicated += copies.length - 1;
      find(
        `event ${id} is stored ${copies.length} times (positions ${copies.map((c) => c.position).join(', ')})`,
      );
    }
  }
  const sent = new Set<string>();
  for (const batch of batches) {
    for (const id of batch.ids) sent.add(id);
    const found = batch.ids.map((id) => byId.get(id)?.[0]);
    const present = found.filter((e) => e !== undefined);
    const whole =
      present.length === batch.ids.length &&
      present.every(
        (e, i) =>
          e.streamId === batch.streamId &&
          e.version === present[0]!.version + i &&
          e.position === present[0]!.position + i,
      );
    if (present.length > 0 && !whole) {
      r.partialBatches++;
      find(
        `batch of writer ${batch.writer} to ${batch.streamId} (${batch.kind}, ${batch.outcome}) is partly stored: ${present.length} of ${batch.ids.length} events, at ${present.map((e) => `${e.streamId}@${e.version}`).join(' ')}`,
      );
    }
    if (batch.outcome === 'acked') {
      r.acknowledgedBatches++;
      r.acknowledgedEvents += batch.ids.length;
      const missing = batch.ids.length - present.length;
      if (missing > 0) {
        r.lost += missing;
        find(
          `acknowledged batch of writer ${batch.writer} to ${batch.streamId} (${batch.kind}): ${missing} of ${batch.ids.length} events are not stored`,
        );
      } else if (whole) {
        const last = present.at(-1)!;
        if (
          last.version !== batch.result!.nextExpectedVersion ||
          last.position !== batch.result!.position
        ) {
          r.ackMismatches++;
          find(
            `append to ${batch.streamId} returned version ${batch.result!.nextExpectedVersion} position ${batch.result!.position}, but its last event is at version ${last.version} position ${last.position}`,
          );
        }
      }
    } else if (present.length === batch.ids.length) {
      if (batch.outcome === 'rejected') {
        r.inconsistencies++;
        find(
          `batch of writer ${batch.writer} to ${batch.streamId} was refused with ConcurrencyError every time, yet it is stored`,
        );
      } else {
        r.landedUnacknowledged++;
      }
    }
  }
  for (const event of log) {
    if (!sent.has(event.eventId)) {
      r.inconsistencies++;
      find(`stored event ${event.eventId} at position ${event.position} was never sent`);
    }
  }

  // The subscription: exactly the log, in order.
  const seenPositions = new Set<number>();
  for (const event of subscriber.seen) {
    if (seenPositions.has(event.position)) {
      r.duplicated++;
      find(`the subscription delivered position ${event.position} twice`);
    }
    seenPositions.add(event.position);
    const stored = byPosition.get(event.position);
    if (!stored || stored.eventId !== event.eventId) {
      r.inconsistencies++;
      find(
        `the subscription delivered ${event.eventId} at position ${event.position}, the log holds ${stored?.eventId ?? 'nothing'} there`,
      );
    }
  }
  for (const position of byPosition.keys()) {
    if (!seenPositions.has(position)) {
      r.lost++;
      find(`the subscription never delivered position ${position}`);
    }
  }
  if (subscriber.outOfOrder > 0) {
    r.inconsistencies += subscriber.outOfOrder;
    find(`the subscription delivered ${subscriber.outOfOrder} events out of position order`);
  }
  return r;
}
