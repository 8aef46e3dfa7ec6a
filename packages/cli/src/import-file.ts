import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type EventLine, EventLineError, decodeEventLine } from './event-line.js';
import { CliError, EXIT_USAGE } from './exit-codes.js';

export interface NumberedEvent {
  /** 1-based line number in the file, for messages. */
  line: number;
  event: EventLine;
}

export interface ImportFileSummary {
  count: number;
  firstPosition: number;
  lastPosition: number;
  streams: number;
}

/** The events of an export file, one per non-blank line; a bad line fails with its number. */
export async function* readEventFile(path: string): AsyncGenerator<NumberedEvent> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT_USAGE);
  }
  const lines = createInterface({
    input: handle.createReadStream({ encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      let event: EventLine;
      try {
        event = decodeEventLine(line === 1 ? text.replace(/^\uFEFF/, '') : text);
      } catch (error) {
        if (error instanceof EventLineError)
          throw new CliError(`${path} line ${line}: ${error.reason}`, EXIT_USAGE);
        throw error;
      }
      yield { line, event };
    }
  } finally {
    lines.close();
    await handle.close().catch(() => {});
  }
}

/**
 * Reads the whole file once before anything is written: every line must be a valid event, the
 * positions consecutive and each stream's versions consecutive. Memory: one number per stream.
 */
export async function checkEventFile(path: string): Promise<ImportFileSummary> {
  const streamVersions = new Map<string, number>();
  let count = 0;
  let firstPosition = 0;
  let lastPosition = 0;
  for await (const { line, event } of readEventFile(path)) {
    const fail = (reason: string) => new CliError(`${path} line ${line}: ${reason}`, EXIT_USAGE);
    if (count > 0 && event.position !== lastPosition + 1) {
      throw fail(
        `position ${event.position} does not follow position ${lastPosition} (an export holds consecutive positions)`,
      );
    }
    const previous = streamVersions.get(event.streamId);
    if (previous !== undefined && event.version !== previous + 1) {
      throw fail(
        `stream '${event.streamId}' goes from version ${previous} to ${event.version} (versions must be consecutive)`,
      );
    }
    streamVersions.set(event.streamId, event.version);
    if (count++ === 0) firstPosition = event.position;
    lastPosition = event.position;
  }
  return { count, firstPosition, lastPosition, streams: streamVersions.size };
}
