import { FlowraError } from '@flowra/eventstore-core';

/** A projection definition that cannot work: named field, reason. */
export class ProjectionDefinitionError extends FlowraError {
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super('ProjectionDefinitionError', `Projection ${field} ${reason}`);
    this.field = field;
    this.reason = reason;
  }

  static isInstance(value: unknown): value is ProjectionDefinitionError {
    return FlowraError.hasName(value, 'ProjectionDefinitionError');
  }
}

/** A handler threw: the projection stops at this event, which is never skipped. */
export class ProjectionHandlerError extends FlowraError {
  readonly projection: string;
  readonly streamId: string;
  readonly version: number;
  readonly position: number;
  readonly eventType: string;

  constructor(
    projection: string,
    event: { streamId: string; version: number; position: number; type: string },
    cause: unknown,
  ) {
    super(
      'ProjectionHandlerError',
      `Projection '${projection}' failed on ${event.type} at position ${event.position} (stream '${event.streamId}' version ${event.version}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.projection = projection;
    this.streamId = event.streamId;
    this.version = event.version;
    this.position = event.position;
    this.eventType = event.type;
  }

  static isInstance(value: unknown): value is ProjectionHandlerError {
    return FlowraError.hasName(value, 'ProjectionHandlerError');
  }
}

/** Another process took the projection over: this runner stopped writing. */
export class LeaseLostError extends FlowraError {
  readonly projection: string;
  readonly epoch: number;

  constructor(projection: string, epoch: number, reason: string) {
    super('LeaseLostError', `Projection '${projection}' lease (epoch ${epoch}) lost: ${reason}`);
    this.projection = projection;
    this.epoch = epoch;
  }

  static isInstance(value: unknown): value is LeaseLostError {
    return FlowraError.hasName(value, 'LeaseLostError');
  }
}

/** Documents changed under the runner although it held the lease: the batch is redone. */
export class ReadModelConflictError extends FlowraError {
  readonly projection: string;
  readonly collection: string;
  readonly ids: readonly string[];

  constructor(projection: string, collection: string, ids: readonly string[]) {
    super(
      'ReadModelConflictError',
      `Projection '${projection}': ${ids.length} document(s) of '${collection}' changed while it wrote them (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`,
    );
    this.projection = projection;
    this.collection = collection;
    this.ids = ids;
  }

  static isInstance(value: unknown): value is ReadModelConflictError {
    return FlowraError.hasName(value, 'ReadModelConflictError');
  }
}
