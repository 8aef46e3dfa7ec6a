import { DomainError } from './domain-error.js';

/** A command input or context that does not match its schema; `field` is the offending path. */
export class InvalidInputError extends DomainError {
  static readonly code = 'INVALID_INPUT';
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string, options?: { cause?: unknown }) {
    super('InvalidInputError', InvalidInputError.code, `Invalid ${field}: ${reason}`, options);
    this.field = field;
    this.reason = reason;
  }
}

/** A command was sent to an aggregate whose stream holds no creation event yet. */
export class AggregateNotCreatedError extends DomainError {
  static readonly code = 'AGGREGATE_NOT_CREATED';
  readonly aggregateType: string;
  readonly aggregateId: string;

  constructor(aggregateType: string, aggregateId: string) {
    super(
      'AggregateNotCreatedError',
      AggregateNotCreatedError.code,
      `${aggregateType} '${aggregateId}' does not exist`,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
  }
}

/** An event that cannot be applied: unknown type, bad data, another aggregate's, out of order. */
export class InvalidEventError extends DomainError {
  static readonly code = 'INVALID_EVENT';
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly eventType: string;
  readonly reason: string;

  constructor(
    aggregateType: string,
    aggregateId: string,
    eventType: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'InvalidEventError',
      InvalidEventError.code,
      `Cannot apply '${eventType}' to ${aggregateType} '${aggregateId}': ${reason}`,
      options,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.eventType = eventType;
    this.reason = reason;
  }
}

/** A snapshot whose content is malformed or belongs to another aggregate. */
export class InvalidSnapshotError extends DomainError {
  static readonly code = 'INVALID_SNAPSHOT';
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly reason: string;

  constructor(
    aggregateType: string,
    aggregateId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'InvalidSnapshotError',
      InvalidSnapshotError.code,
      `Invalid ${aggregateType} snapshot for '${aggregateId}': ${reason}`,
      options,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.reason = reason;
  }
}

/** Unassigning a chat or task that has nobody assigned. */
export class NotAssignedError extends DomainError {
  static readonly code = 'NOT_ASSIGNED';
  readonly aggregateType: string;
  readonly aggregateId: string;

  constructor(aggregateType: string, aggregateId: string) {
    super(
      'NotAssignedError',
      NotAssignedError.code,
      `${aggregateType} '${aggregateId}' has nobody assigned`,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
  }
}
