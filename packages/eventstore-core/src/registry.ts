import type { z } from 'zod';
import { EventDecodingError, UnknownEventTypeError, ValidationError } from './errors.js';
import type { EventMetadata, NewEvent, RecordedEvent } from './types.js';
import { clonePlainData } from './plain-data.js';
import type { PreparedEvent } from './prepare-events.js';

/** Turns data written under schema version `n` into data of version `n + 1`. */
export type Upcaster = (data: any) => unknown;

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The schema version new events are written with (default 1). */
  version?: number;
  /** `upcasters[n]` lifts version `n` to `n + 1`; one is needed for every version below `version`. */
  upcasters?: Readonly<Record<number, Upcaster>>;
}

interface Entry {
  schema: z.ZodType;
  version: number;
  upcasters: Readonly<Record<number, Upcaster>>;
}

/** Metadata key under which the registry records the schema version an event was written with. */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

type SchemaMap = Record<string, z.ZodType>;

export type EventDataOf<M extends SchemaMap, K extends keyof M> = z.output<M[K]>;

/** A `NewEvent` whose `type` and `data` the compiler ties together. */
export type TypedNewEvent<M extends SchemaMap, K extends keyof M & string = keyof M & string> = {
  [P in K]: NewEvent<z.output<M[P]>> & { type: P };
}[K];

export type TypedRecordedEvent<
  M extends SchemaMap,
  K extends keyof M & string = keyof M & string,
> = {
  [P in K]: RecordedEvent<z.output<M[P]>> & { type: P };
}[K];

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/**
 * Event types known to an application, each with a zod schema and a schema version.
 * Writes are validated against the current schema; reads lift older versions through the
 * upcaster chain. The type parameter accumulates registrations so `create` is checked.
 */
export class EventRegistry<M extends SchemaMap = {}> {
  readonly #entries = new Map<string, Entry>();

  register<K extends string, S extends z.ZodType>(
    type: K,
    schema: S,
    options: Omit<EventDefinition<S>, 'schema'> = {},
  ): EventRegistry<M & Record<K, S>> {
    if (typeof type !== 'string' || type.length === 0) {
      throw new ValidationError('type', 'must be a non-empty string');
    }
    if (this.#entries.has(type)) {
      throw new ValidationError('type', `event type '${type}' is already registered`);
    }
    const version = options.version ?? 1;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new ValidationError('version', `must be a positive integer for '${type}'`);
    }
    const upcasters = options.upcasters ?? {};
    for (let v = 1; v < version; v++) {
      if (typeof upcasters[v] !== 'function') {
        throw new ValidationError(
          'upcasters',
          `'${type}' is at version ${version} but has no upcaster from version ${v}`,
        );
      }
    }
    this.#entries.set(type, { schema, version, upcasters });
    return this as unknown as EventRegistry<M & Record<K, S>>;
  }

  registerAll<D extends Record<string, EventDefinition>>(
    definitions: D,
  ): EventRegistry<M & { [K in keyof D]: D[K]['schema'] }> {
    for (const [type, def] of Object.entries(definitions)) {
      this.register(type, def.schema, def);
    }
    return this as unknown as EventRegistry<M & { [K in keyof D]: D[K]['schema'] }>;
  }

  has(type: string): boolean {
    return this.#entries.has(type);
  }

  get types(): string[] {
    return [...this.#entries.keys()];
  }

  schemaVersionOf(type: string): number {
    const entry = this.#entries.get(type);
    if (!entry) throw new UnknownEventTypeError(type);
    return entry.version;
  }

  /** Builds a validated event; the compiler checks `data` against the type's schema input. */
  create<K extends keyof M & string>(
    type: K,
    data: z.input<M[K]>,
    extra: { metadata?: EventMetadata; eventId?: string } = {},
  ): NewEvent<z.output<M[K]>> & { type: K } {
    const parsed = this.parse(type, data);
    const event: NewEvent<z.output<M[K]>> & { type: K } = {
      type,
      data: parsed as z.output<M[K]>,
    };
    if (extra.metadata !== undefined) event.metadata = extra.metadata;
    if (extra.eventId !== undefined) event.eventId = extra.eventId;
    return event;
  }

  /** Validates `data` against the current schema of `type` and returns the parsed value. */
  parse(type: string, data: unknown, context: { streamId?: string; field?: string } = {}): unknown {
    const entry = this.#entries.get(type);
    if (!entry) throw new UnknownEventTypeError(type, { streamId: context.streamId });
    const result = entry.schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = `${context.field ?? 'data'}${issue ? formatIssuePath(issue.path) : ''}`;
      throw new ValidationError(field, issue?.message ?? 'does not match the schema', {
        streamId: context.streamId,
        eventType: type,
        cause: result.error,
      });
    }
    return result.data;
  }

  /** What a store writes: validated data and the schema version stamped into metadata. */
  encode(streamId: string, event: NewEvent, index: number): NewEvent {
    const data = this.parse(event.type, event.data, {
      streamId,
      field: `events[${index}].data`,
    });
    const version = this.schemaVersionOf(event.type);
    return {
      ...event,
      data,
      metadata: { ...(event.metadata ?? {}), [SCHEMA_VERSION_KEY]: version },
    };
  }

  /** `encode` over a batch the store already validated; returns frozen copies. */
  encodePrepared(streamId: string, prepared: readonly PreparedEvent[]): PreparedEvent[] {
    return prepared.map((event, i) => {
      const encoded = this.encode(streamId, event, i);
      const context = { streamId, eventType: event.type };
      return {
        eventId: event.eventId,
        ...(event.generatedId ? { generatedId: true } : {}),
        type: event.type,
        data: clonePlainData(encoded.data, `events[${i}].data`, context) as Record<string, unknown>,
        metadata: clonePlainData(
          encoded.metadata,
          `events[${i}].metadata`,
          context,
        ) as EventMetadata,
      };
    });
  }

  /** What a reader gets: data lifted to the current schema version and validated. */
  decode<T extends RecordedEvent>(event: T): T {
    const entry = this.#entries.get(event.type);
    if (!entry) {
      throw new UnknownEventTypeError(event.type, {
        streamId: event.streamId,
        version: event.version,
      });
    }
    const stored = event.metadata[SCHEMA_VERSION_KEY];
    const from = typeof stored === 'number' ? stored : 1;
    if (!Number.isSafeInteger(from) || from < 1 || from > entry.version) {
      throw new EventDecodingError(
        event.streamId,
        event.version,
        `'${event.type}' was written with schema version ${String(stored)}, this reader knows 1..${entry.version}`,
      );
    }
    let data: unknown = event.data;
    try {
      for (let v = from; v < entry.version; v++) data = entry.upcasters[v]!(data);
    } catch (error) {
      throw new EventDecodingError(event.streamId, event.version, 'an upcaster failed', error);
    }
    const result = entry.schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new EventDecodingError(
        event.streamId,
        event.version,
        `'${event.type}' data does not match its schema${issue ? ` at ${formatIssuePath(issue.path) || 'data'}: ${issue.message}` : ''}`,
        result.error,
      );
    }
    if (from === entry.version && result.data === event.data) return event;
    return {
      ...event,
      data: result.data,
      metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: entry.version },
    };
  }
}
