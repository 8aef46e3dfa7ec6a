import { isDeepStrictEqual } from 'node:util';
import type { RecordedEvent } from '@flowra/eventstore-core';
import {
  MongoEventStore,
  type RestorableEvent,
  RestoreRefusedError,
} from '@flowra/eventstore-mongo';
import type { Connection } from '../connection.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { type ImportFileSummary, checkEventFile, readEventFile } from '../import-file.js';
import { range } from '../output.js';
import { startProgress } from '../progress.js';
import { toTaggedJson } from '../tagged-json.js';

export interface ImportCommandOptions {
  dryRun?: boolean;
}

function refuse(message: string): CliError {
  return new CliError(`import refused, nothing written: ${message}`, EXIT_FAILURE);
}

function describe(event: RecordedEvent): string {
  return `${event.type} ${event.eventId} (stream '${event.streamId}' version ${event.version}, position ${event.position})`;
}

/**
 * Data compared as the file holds it: a Date is its instant, whatever its class (a store hands
 * out read-only Dates, the file's reader plain ones), and `-0`, `NaN` stay what they are.
 */
function sameData(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(toTaggedJson(a), toTaggedJson(b));
}

/** The first field in which two events differ, or undefined when they are the same event. */
function differingField(a: RecordedEvent, b: RecordedEvent): string | undefined {
  if (a.eventId !== b.eventId) return 'eventId';
  if (a.streamId !== b.streamId) return 'streamId';
  if (a.version !== b.version) return 'version';
  if (a.position !== b.position) return 'position';
  if (a.type !== b.type) return 'type';
  if (a.recordedAt.getTime() !== b.recordedAt.getTime()) return 'recordedAt';
  if (!sameData(a.data, b.data)) return 'data';
  if (!sameData(a.metadata, b.metadata)) return 'metadata';
  return undefined;
}

/**
 * The part of the file the target already holds must be exactly the target's events: a re-run,
 * or the rest of an interrupted import. Returns the target's last position.
 */
async function compareHeld(
  store: MongoEventStore,
  path: string,
  summary: ImportFileSummary,
): Promise<number> {
  const head = await store.headPosition();
  const overlap = Math.max(0, Math.min(head, summary.lastPosition) - summary.firstPosition + 1);
  if (overlap === 0) return head;
  const held = store
    .readAll({ fromPosition: summary.firstPosition - 1, maxCount: overlap })
    [Symbol.asyncIterator]();
  try {
    for await (const { line, event } of readEventFile(path)) {
      if (event.position > head) break;
      const stored = await held.next();
      const differs = stored.done ? undefined : differingField(stored.value, event);
      if (stored.done || differs !== undefined) {
        throw refuse(
          `line ${line}: the file has ${describe(event)} where the target holds ` +
            `${stored.done ? 'nothing readable' : `${describe(stored.value)}, with other ${differs}`}`,
        );
      }
    }
  } finally {
    await held.return?.();
  }
  return head;
}

/** Checks the whole file, then compares it with the target, and only then restores the rest. */
export async function runImport(
  path: string,
  options: ImportCommandOptions,
  connect: () => Promise<Connection>,
): Promise<number> {
  const summary = await checkEventFile(path);
  const err = process.stderr;
  if (summary.count === 0) {
    err.write(`${path} holds no events: nothing to import.\n`);
    return EXIT_OK;
  }
  err.write(
    `Checked ${path}: ${summary.count} events of ${summary.streams} streams, positions ${range(summary.firstPosition, summary.lastPosition)}.\n`,
  );
  const conn = await connect();
  const store = new MongoEventStore(conn.db, { changeStreams: false });
  try {
    const head = await compareHeld(store, path, summary);
    const into = `${conn.target.dbName} at ${conn.target.hosts}`;
    if (head >= summary.lastPosition) {
      process.stdout.write(
        `Already imported: ${into} holds exactly these ${summary.count} events (positions ${range(summary.firstPosition, summary.lastPosition)}). Nothing written.\n`,
      );
      return EXIT_OK;
    }
    const lines = new WeakMap<RestorableEvent, number>();
    async function* rest(): AsyncGenerator<RestorableEvent> {
      for await (const { line, event } of readEventFile(path)) {
        if (event.position <= head) continue;
        lines.set(event, line);
        yield event;
      }
    }
    const resumed =
      head >= summary.firstPosition ? ` (positions up to ${head} were already there)` : '';
    const progress = options.dryRun
      ? undefined
      : startProgress('Importing', summary.lastPosition - head);
    let written = 0;
    try {
      const report = await store.restore(rest, {
        dryRun: options.dryRun,
        onProgress: (events) => {
          progress?.increment(events - written);
          written = events;
        },
      });
      const what = `${report.events} events${options.dryRun ? '' : ` in ${report.commits} commits`} (positions ${range(report.fromPosition, report.toPosition)}) into ${into}${resumed}`;
      process.stdout.write(
        options.dryRun
          ? `Dry run: would import ${what}. Nothing written.\n`
          : `Imported ${what}.\n`,
      );
      return EXIT_OK;
    } catch (error) {
      if (!RestoreRefusedError.isInstance(error)) throw error;
      if (error.reason === 'concurrent-writer') {
        throw new CliError(`import stopped: ${error.message}.`, EXIT_FAILURE);
      }
      const line = error.event ? lines.get(error.event) : undefined;
      if (error.reason === 'event-id-repeated') {
        // The file itself is wrong, as a malformed line is: nothing was written.
        throw new CliError(`${path} line ${line ?? '?'}: ${error.message}`, EXIT_USAGE);
      }
      const hint =
        error.reason === 'gap' && error.event?.position === summary.firstPosition
          ? " (export with --from <the target's last position>)"
          : '';
      throw refuse(`${line === undefined ? '' : `line ${line}: `}${error.message}${hint}`);
    } finally {
      progress?.stop();
    }
  } finally {
    await store.close();
    await conn.client.close();
  }
}
