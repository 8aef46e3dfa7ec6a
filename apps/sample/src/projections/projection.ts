import type { AnyDomainEvent } from '@flowra/domain';
import type { RecordedEvent } from '@flowra/eventstore-core';

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
