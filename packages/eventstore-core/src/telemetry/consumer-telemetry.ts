import { type Attributes, type Link, SpanKind, context, trace } from '@opentelemetry/api';
import type { RecordedEvent } from '../types.js';
import { ALL_STREAMS_DESTINATION, FlowraAttributes as A } from './attributes.js';
import { Telemetry, type TelemetryOptions, recordError } from './telemetry.js';
import { traceContextOf } from './trace-context.js';

export interface ConsumerTelemetryOptions extends TelemetryOptions {
  scope: string;
  /** `messaging.consumer.group.name`: the subscription's or projection's name, when it has one. */
  group?: string;
  /** Which lag gauges it reports to. */
  kind: 'subscription' | 'projection';
  /** `messaging.destination.name`; the whole log unless said otherwise. */
  destination?: string;
}

/**
 * The consumer side: one span per handler call, linked to the span the event was appended
 * in (its `metadata.traceparent`), and the lag gauges. Each consumer span starts a trace of
 * its own: the handler runs long after the append, often in another process, so the link,
 * not a parent, is what ties the two together.
 */
export class ConsumerTelemetry extends Telemetry {
  readonly #attributes: Attributes;
  readonly #lagAttributes: Attributes;
  readonly #name: string;
  readonly #kind: 'subscription' | 'projection';

  constructor(options: ConsumerTelemetryOptions) {
    super(options.scope, options);
    const destination = options.destination ?? ALL_STREAMS_DESTINATION;
    this.#kind = options.kind;
    this.#name = `process ${options.group ?? destination}`;
    const group =
      options.group === undefined ? {} : { [A.MESSAGING_CONSUMER_GROUP_NAME]: options.group };
    this.#attributes = {
      [A.MESSAGING_SYSTEM]: 'flowra',
      [A.MESSAGING_OPERATION_NAME]: 'process',
      [A.MESSAGING_OPERATION_TYPE]: 'process',
      [A.MESSAGING_DESTINATION_NAME]: destination,
      ...group,
      ...(options.group === undefined
        ? {}
        : {
            [options.kind === 'projection' ? A.PROJECTION_NAME : A.SUBSCRIPTION_NAME]:
              options.group,
          }),
    };
    this.#lagAttributes = { [A.MESSAGING_SYSTEM]: 'flowra', ...group };
  }

  /** Runs `handle` for `event` in a consumer span linked to the event's producer span. */
  async process<T>(event: RecordedEvent, handle: () => T | Promise<T>): Promise<T> {
    if (this.tracingOff) return handle();
    const producer = traceContextOf(event);
    const links: Link[] | undefined = producer ? [{ context: producer }] : undefined;
    // Attributes are set once the span is known to record: an untraced handler call must
    // not pay for building them (subscriptions hand out events by the million).
    const span = this.tracer.startSpan(this.#name, {
      kind: SpanKind.CONSUMER,
      root: true,
      ...(links ? { links } : {}),
    });
    if (!span.isRecording()) {
      span.end();
      return handle();
    }
    span.setAttributes(this.#attributes);
    span.setAttributes({
      [A.MESSAGING_MESSAGE_ID]: event.eventId,
      [A.EVENT_TYPE]: event.type,
      [A.STREAM_ID]: event.streamId,
      [A.STREAM_VERSION]: event.version,
      [A.LOG_POSITION]: event.position,
    });
    try {
      return await context.with(trace.setSpan(context.active(), span), handle);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** The lag after handling events up to `position`, of an event recorded at `recordedAt`. */
  recordLag(position: number, head: number, recordedAt: Date | undefined): void {
    const instruments = this.instruments;
    if (!instruments.live) return;
    const [events, seconds] =
      this.#kind === 'projection'
        ? [instruments.projectionLagEvents, instruments.projectionLagSeconds]
        : [instruments.subscriptionLagEvents, instruments.subscriptionLagSeconds];
    events.record(Math.max(0, head - position), this.#lagAttributes);
    if (recordedAt) {
      seconds.record(Math.max(0, (Date.now() - recordedAt.getTime()) / 1000), this.#lagAttributes);
    }
  }
}
