import type { RecordedEvent } from '@flowra/eventstore-core';
import type { Styles } from './style.js';
import { toTaggedJson } from './tagged-json.js';
import { truncate } from './output.js';

/** Event data as one line of JSON in the export encoding (Dates stay recognisable). */
export function dataJson(event: RecordedEvent): string {
  return JSON.stringify(toTaggedJson(event.data));
}

/** `tail`'s human line: when, where in the log, which stream and version, what, and the data. */
export function formatEventLine(event: RecordedEvent, s: Styles, width?: number): string {
  const head = `${event.recordedAt.toISOString()} #${event.position} ${event.streamId}@${event.version} ${event.type} `;
  const data = truncate(
    dataJson(event),
    width === undefined ? undefined : Math.max(10, width - head.length),
  );
  return [
    s.dim(event.recordedAt.toISOString()),
    s.cyan(`#${event.position}`),
    `${s.bold(event.streamId)}@${event.version}`,
    s.green(event.type),
    data,
  ].join(' ');
}
