import { FlowraError } from '@flowra/eventstore-core';

export class AggregateNotFoundError extends FlowraError {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly streamId: string;

  constructor(aggregateType: string, aggregateId: string, streamId: string) {
    super(
      'AggregateNotFoundError',
      `${aggregateType} '${aggregateId}' does not exist (stream '${streamId}')`,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.streamId = streamId;
  }

  static isInstance(value: unknown): value is AggregateNotFoundError {
    return FlowraError.hasName(value, 'AggregateNotFoundError');
  }
}

/** A stream held an event of another tenant: refused rather than mixed into this tenant's state. */
export class TenantMismatchError extends FlowraError {
  readonly expectedTenantId: string;
  readonly actualTenantId: unknown;
  readonly streamId: string;

  constructor(streamId: string, expectedTenantId: string, actualTenantId: unknown) {
    super(
      'TenantMismatchError',
      `Stream '${streamId}' holds an event of tenant '${String(actualTenantId)}', not '${expectedTenantId}'`,
    );
    this.streamId = streamId;
    this.expectedTenantId = expectedTenantId;
    this.actualTenantId = actualTenantId;
  }

  static isInstance(value: unknown): value is TenantMismatchError {
    return FlowraError.hasName(value, 'TenantMismatchError');
  }
}

/** A snapshot asked for while the aggregate holds events not yet saved: it would record them. */
export class UncommittedEventsError extends FlowraError {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly streamId: string;
  readonly uncommitted: number;

  constructor(aggregateType: string, aggregateId: string, streamId: string, uncommitted: number) {
    super(
      'UncommittedEventsError',
      `${aggregateType} '${aggregateId}' (stream '${streamId}') has ${uncommitted} unsaved event(s): save it before taking a snapshot`,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.streamId = streamId;
    this.uncommitted = uncommitted;
  }

  static isInstance(value: unknown): value is UncommittedEventsError {
    return FlowraError.hasName(value, 'UncommittedEventsError');
  }
}
