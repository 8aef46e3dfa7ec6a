import {
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterProvider,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanStatusCode,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  createNoopMeter,
  metrics,
  trace,
} from '@opentelemetry/api';
import { FlowraAttributes, FlowraMetrics } from './attributes.js';
import { type FlowraLogger, silentLogger } from './logger.js';

/**
 * Where a store, repository or projection sends its spans, metrics and log lines. Each is
 * optional: spans and metrics go to the globally registered OpenTelemetry providers (no-ops
 * until the application registers an SDK), log lines nowhere.
 */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  logger?: FlowraLogger;
}

/** What the API hands out when no SDK is registered: how a store tells it may skip the work. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('flowra.noop');

export interface Instruments {
  /** False when these are the API's no-ops (no meter provider registered). */
  live: boolean;
  appendDuration: Histogram;
  eventsAppended: Counter;
  appendConflicts: Counter;
  placementRetries: Histogram;
  batchSize: Histogram;
  subscriptionLagEvents: Gauge;
  subscriptionLagSeconds: Gauge;
  projectionLagEvents: Gauge;
  projectionLagSeconds: Gauge;
  readModelWrites: Counter;
}

const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const COUNT_BUCKETS = [0, 1, 2, 4, 8, 16, 32, 64, 128];

function createInstruments(meter: Meter): Instruments {
  const appendDuration = meter.createHistogram(FlowraMetrics.APPEND_DURATION, {
    description: 'Duration of appends, from the call to the settled result',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  return {
    live: appendDuration !== NOOP_HISTOGRAM,
    appendDuration,
    eventsAppended: meter.createCounter(FlowraMetrics.EVENTS_APPENDED, {
      description: 'Events written by appends',
      unit: '{event}',
    }),
    appendConflicts: meter.createCounter(FlowraMetrics.APPEND_CONFLICTS, {
      description: 'Appends refused because the stream was not at the expected version',
      unit: '{conflict}',
    }),
    placementRetries: meter.createHistogram(FlowraMetrics.PLACEMENT_RETRIES, {
      description: 'Times an append was placed again after losing its log position or a failure',
      unit: '{retry}',
      advice: { explicitBucketBoundaries: COUNT_BUCKETS },
    }),
    batchSize: meter.createHistogram(FlowraMetrics.BATCH_SIZE, {
      description: 'Appends placed by one write (group commit)',
      unit: '{append}',
      advice: { explicitBucketBoundaries: COUNT_BUCKETS },
    }),
    subscriptionLagEvents: meter.createGauge(FlowraMetrics.SUBSCRIPTION_LAG_EVENTS, {
      description: 'Events in the log after the one a subscription handled last',
      unit: '{event}',
    }),
    subscriptionLagSeconds: meter.createGauge(FlowraMetrics.SUBSCRIPTION_LAG_SECONDS, {
      description: 'Age of the event a subscription handled last, when it handled it',
      unit: 's',
    }),
    projectionLagEvents: meter.createGauge(FlowraMetrics.PROJECTION_LAG_EVENTS, {
      description: 'Events in the log after a projection checkpoint',
      unit: '{event}',
    }),
    projectionLagSeconds: meter.createGauge(FlowraMetrics.PROJECTION_LAG_SECONDS, {
      description: 'Age of the last event a projection applied, when it applied it',
      unit: 's',
    }),
    readModelWrites: meter.createCounter(FlowraMetrics.READ_MODEL_WRITES, {
      description: 'Read-model documents written by projections',
      unit: '{document}',
    }),
  };
}

/**
 * A package's tracer, instruments and logger. Instruments follow the meter provider that is
 * registered when they are used, so a store made before the SDK is registered still reports.
 */
export class Telemetry {
  readonly tracer: Tracer;
  readonly logger: FlowraLogger;
  readonly #scope: string;
  readonly #meterProvider: MeterProvider | undefined;
  readonly #tracerProvider: TracerProvider | undefined;
  #instrumentsOf: MeterProvider | undefined;
  #instruments: Instruments | undefined;

  constructor(scope: string, options: TelemetryOptions = {}) {
    this.#scope = scope;
    this.tracer = (options.tracerProvider ?? trace).getTracer(scope);
    this.#tracerProvider = options.tracerProvider;
    this.#meterProvider = options.meterProvider;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * True while no tracer provider is registered (and none was given): a span could only be a
   * no-op, so hot paths skip making one. Checked per call, so a later registration counts.
   */
  get tracingOff(): boolean {
    if (this.#tracerProvider) return false;
    const provider = trace.getTracerProvider();
    return (
      provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER
    );
  }

  get instruments(): Instruments {
    const provider = this.#meterProvider ?? metrics.getMeterProvider();
    if (provider !== this.#instrumentsOf || !this.#instruments) {
      this.#instruments = createInstruments(provider.getMeter(this.#scope));
      this.#instrumentsOf = provider;
    }
    return this.#instruments;
  }
}

/** The error's typed name on the span (`error.type`), its status and an exception event. */
export function recordError(span: Span, error: unknown): string {
  const type = errorType(error);
  if (span.isRecording()) {
    span.setAttribute(FlowraAttributes.ERROR_TYPE, type);
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  return type;
}

export function errorType(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : '_OTHER';
}

export function withError(attributes: Attributes, type: string | undefined): Attributes {
  return type === undefined ? attributes : { ...attributes, [FlowraAttributes.ERROR_TYPE]: type };
}

/** What `inSpan` hands `fn` when nothing records: every call on it is a no-op. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `fn` in an active span (the parent of whatever it calls that traces), records its
 * error with the typed name, and ends the span however it settles. With no tracer provider
 * registered, `fn` runs as it is: no span, no context switch, no attributes built.
 */
export function inSpan<T>(
  telemetry: Telemetry,
  name: string,
  attributes: () => Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (telemetry.tracingOff) return fn(NOT_RECORDING);
  return telemetry.tracer.startActiveSpan(name, { attributes: attributes() }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
