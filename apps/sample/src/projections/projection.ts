import type { AnyDomainEvent } from '@flowra/domain';
import type { RecordedEvent } from '@flowra/eventstore-core';
import type { DocumentCollection, ReadModelDocument } from '../read-models/read-model-store.js';

/**
 * A read model as a pure fold: which document an event touches, and what that document
 * becomes. Storage, ordering, checkpoints and exactly-once are the projector's business.
 */
export interface Projection<D extends ReadModelDocument> {
  /** Also the checkpoint's key: renaming a projection rebuilds it from scratch. */
  readonly name: string;
  readonly collection: DocumentCollection<D>;
  /** The document the event changes, or null when it changes none. */
  documentId(event: DomainRecordedEvent): string | null;
  /** The document after the event; `lastPosition` is stamped by the projector. */
  evolve(current: D | null, event: DomainRecordedEvent): D | null;
}

/** A recorded event whose type and data are the domain's, with the tenant it was written for. */
export type DomainRecordedEvent = AnyDomainEvent & {
  readonly position: number;
  readonly version: number;
  readonly tenantId: string;
};

/**
 * The stores validate every event against the domain's schemas (the event registry) when it is
 * written and decode it on the way out, so the data can be trusted to match its type here.
 * Events written without a tenant (by other tools) belong to no board and are skipped.
 */
export function asDomainEvent(event: RecordedEvent): DomainRecordedEvent | null {
  const tenantId = event.metadata.tenantId;
  if (typeof tenantId !== 'string') return null;
  return {
    type: event.type,
    data: event.data,
    position: event.position,
    version: event.version,
    tenantId,
  } as DomainRecordedEvent;
}

/** Read-model ids are tenant-scoped: two tenants may use the same chat id. */
export function tenantKey(tenantId: string, id: string): string {
  return `${tenantId}/${id}`;
}

export function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
