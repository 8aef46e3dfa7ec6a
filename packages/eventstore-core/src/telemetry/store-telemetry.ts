import { type Attributes, type Span, SpanKind, context, trace } from '@opentelemetry/api';
import type { AppendResult, ExpectedVersion } from '../types.js';
import { FlowraAttributes as A } from './attributes.js';
import { silentLogger } from './logger.js';
import {
  type Instruments,
  Telemetry,
  type TelemetryOptions,
  recordError,
  withError,
} from './telemetry.js';
import { type TraceCarrier, traceCarrierOf } from './trace-context.js';

/** Failures after which the store stopped trying: an operator wants to hear of them. */
const GAVE_UP = new Set([
  'AppendTimeoutError',
  'AppendOutcomeUnknownError',
  'StoreUnavailableError',
]);

/**
 * Between the telemetry and a store's append: the trace context to add to each event's
 * metadata (`prepareAppend` takes it), and what the placement learnt, for the span and metrics.
 */
export interface AppendTrace {
  /** The append span's W3C trace context, when it has a valid one. */
  carrier?: TraceCarrier;
  /** Times the append was placed again (a lost log position, a transient failure). */
  placementRetries?: number;
  /** Appends written by the same write as this one (group commit). */
  batchSize?: number;
}

export interface StoreTelemetryOptions extends TelemetryOptions {
  /** Instrumentation scope: the package name. */
  scope: string;
  /** `db.system.name`: `mongodb`, or `flowra.memory` for the in-memory store. */
  system: string;
  /** `db.namespace`: the database. */
  namespace?: string;
  /** `db.collection.name`: where the events are kept. */
  collection?: string;
  /** Client spans for a store that talks to a server, internal ones for one in process. */
  kind?: SpanKind;
}

/** Spans and metrics of a store's appends and reads, the same for every store. */
export class StoreTelemetry extends Telemetry {
  readonly #base: Attributes;
  readonly #metricBase: Attributes;
  readonly #collection: string | undefined;
  readonly #kind: SpanKind;

  constructor(options: StoreTelemetryOptions) {
    super(options.scope, options);
    this.#collection = options.collection;
    this.#kind = options.kind ?? SpanKind.INTERNAL;
    this.#metricBase = { [A.DB_SYSTEM_NAME]: options.system };
    this.#base = {
      ...this.#metricBase,
      ...(options.namespace === undefined ? {} : { [A.DB_NAMESPACE]: options.namespace }),
      ...(options.collection === undefined ? {} : { [A.DB_COLLECTION_NAME]: options.collection }),
    };
  }

  #start(operation: string, attributes: Attributes): Span {
    return this.tracer.startSpan(
      this.#collection === undefined ? operation : `${operation} ${this.#collection}`,
      {
        kind: this.#kind,
        attributes: { ...this.#base, [A.DB_OPERATION_NAME]: operation, ...attributes },
      },
    );
  }

  /**
   * An append in a span of its own. When the span has a valid context (an SDK is registered,
   * or a caller's span is active), its W3C trace context goes to the store as
   * `AppendTrace.carrier`, for `prepareAppend` to add to each event's metadata, so whoever
   * handles the event later can link back to it. With no SDK and no logger the
   * append runs as it is: no span, no clock reads, no allocation.
   */
  append<E>(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly E[],
    run: (events: readonly E[], stats: AppendTrace) => AppendResult | Promise<AppendResult>,
  ): Promise<AppendResult> {
    const instruments = this.instruments;
    if (this.tracingOff && !instruments.live && this.logger === silentLogger) {
      try {
        return Promise.resolve(run(events, {}));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#tracedAppend(streamId, expectedVersion, events, run, instruments);
  }

  async #tracedAppend<E>(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly E[],
    run: (events: readonly E[], stats: AppendTrace) => AppendResult | Promise<AppendResult>,
    instruments: Instruments,
  ): Promise<AppendResult> {
    const count = Array.isArray(events) ? events.length : 0;
    const span = this.#start('append', {
      [A.STREAM_ID]: String(streamId),
      [A.EXPECTED_VERSION]: String(expectedVersion),
      [A.EVENT_COUNT]: count,
    });
    const carrier = traceCarrierOf(span.spanContext());
    const stats: AppendTrace = carrier ? { carrier } : {};
    const started = instruments.live ? performance.now() : 0;
    let failure: string | undefined;
    try {
      const result = span.isRecording()
        ? await context.with(trace.setSpan(context.active(), span), () => run(events, stats))
        : await run(events, stats);
      if (span.isRecording()) {
        span.setAttributes({
          [A.STREAM_VERSION]: result.nextExpectedVersion,
          [A.LOG_POSITION]: result.position,
        });
      }
      instruments.eventsAppended.add(count, this.#metricBase);
      return result;
    } catch (error) {
      failure = recordError(span, error);
      if (failure === 'ConcurrencyError') {
        span.setAttribute(A.CONFLICT, true);
        instruments.appendConflicts.add(1, this.#metricBase);
      } else if (GAVE_UP.has(failure)) {
        this.logger.warn(
          { streamId, expectedVersion, events: count, errorType: failure, err: error },
          'append gave up',
        );
      }
      throw error;
    } finally {
      if (stats.placementRetries !== undefined) {
        span.setAttribute(A.PLACEMENT_RETRIES, stats.placementRetries);
        instruments.placementRetries.record(stats.placementRetries, this.#metricBase);
      }
      if (stats.batchSize !== undefined) {
        span.setAttribute(A.BATCH_SIZE, stats.batchSize);
        instruments.batchSize.record(stats.batchSize, this.#metricBase);
      }
      span.end();
      if (instruments.live) {
        instruments.appendDuration.record(
          (performance.now() - started) / 1000,
          withError(this.#metricBase, failure),
        );
      }
    }
  }

  /**
   * A read in a span from its first step to its end (or the caller leaving it early), with
   * the number of events handed out, when it is part of a traced operation (a span is active:
   * a request, a repository load). Reads on their own are not traced: a poller or a projection
   * reading the log in a loop would otherwise fill traces with a root span per poll. When
   * nothing records, the source's own iterator is handed out: no cost per event.
   */
  read<T>(
    operation: 'readStream' | 'readAll',
    streamId: string | undefined,
    source: AsyncIterable<T>,
  ): AsyncIterable<T> {
    if (this.tracingOff) return source;
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<T> => {
        if (this.tracingOff || !trace.getSpan(context.active())) {
          return source[Symbol.asyncIterator]();
        }
        const span = this.#start(
          operation,
          streamId === undefined ? {} : { [A.STREAM_ID]: String(streamId) },
        );
        const inner = source[Symbol.asyncIterator]();
        if (!span.isRecording()) {
          span.end();
          return inner;
        }
        let count = 0;
        let open = true;
        const end = (error?: unknown) => {
          if (!open) return;
          open = false;
          if (error !== undefined) recordError(span, error);
          span.setAttribute(A.READ_EVENTS, count);
          span.end();
        };
        return {
          next: async () => {
            try {
              const step = await inner.next();
              if (step.done) end();
              else count++;
              return step;
            } catch (error) {
              end(error);
              throw error;
            }
          },
          return: async (value?: unknown) => {
            end();
            return inner.return
              ? inner.return(value)
              : ({ done: true, value } as IteratorReturnResult<unknown> as IteratorResult<T>);
          },
        };
      },
    };
  }

  /** A read that hands out an array (`getEvents`), traced like `read`. */
  async readArray<T>(
    operation: string,
    streamId: string,
    run: () => Promise<readonly T[]> | readonly T[],
  ): Promise<T[]> {
    if (this.tracingOff || !trace.getSpan(context.active())) return (await run()) as T[];
    const span = this.#start(operation, { [A.STREAM_ID]: String(streamId) });
    try {
      const events = (await run()) as T[];
      span.setAttribute(A.READ_EVENTS, events.length);
      return events;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}
