import {
  INVALID_TRACEID,
  type SpanContext,
  TraceFlags,
  createTraceState,
  isSpanContextValid,
} from '@opentelemetry/api';
import type { EventMetadata } from '../types.js';

/** The W3C trace context of the span an event was appended in, as kept in its metadata. */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The `traceparent` (and `tracestate`) of a span context, undefined when it is not valid. */
export function traceCarrierOf(context: SpanContext): TraceCarrier | undefined {
  // The no-op span's context, every untraced append: answered without the validity regexes.
  if (context.traceId === INVALID_TRACEID || !isSpanContextValid(context)) return undefined;
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${context.traceId}-${context.spanId}-${flags}`;
  const tracestate = context.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/**
 * The producer's span context kept in an event's metadata (`metadata.traceparent`), for a
 * consumer to link to; undefined when the event carries none or a malformed one.
 */
export function traceContextOf(event: { metadata?: EventMetadata }): SpanContext | undefined {
  const metadata = event.metadata as Record<string, unknown> | undefined;
  const traceparent = metadata?.traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const tracestate = metadata?.tracestate;
  const context: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof tracestate === 'string' && tracestate !== ''
      ? { traceState: createTraceState(tracestate) }
      : {}),
  };
  return isSpanContextValid(context) ? context : undefined;
}
