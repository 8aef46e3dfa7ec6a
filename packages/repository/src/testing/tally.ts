import type { AggregateDefinition, EventSourcedAggregate } from '../aggregate.js';

export interface TallyState {
  total: number;
  items: string[];
}

/**
 * An aggregate written the careless way the contract allows: its state is changed in place,
 * `toSnapshot` hands that very object out, and `fromSnapshot` keeps what it is given without
 * checking whose it is. The repository has to stay right with it.
 */
export class Tally implements EventSourcedAggregate {
  uncommittedEvents: { type: string; data: unknown }[] = [];

  constructor(
    readonly id: string,
    readonly state: TallyState = { total: 0, items: [] },
    public version = 0,
  ) {}

  add(item: string, by = 1): void {
    const event = { type: 'TallyAdded', data: { item, by } };
    this.applyEvent(event);
    this.uncommittedEvents.push(event);
  }

  applyEvent(event: { type: string; data: unknown }): void {
    const { item, by } = event.data as { item: string; by: number };
    this.state.total += by;
    this.state.items.push(item);
    this.version++;
  }

  markCommitted(): void {
    this.uncommittedEvents = [];
  }

  toSnapshot(): TallyState {
    return this.state;
  }

  static readonly definition: AggregateDefinition<Tally> = {
    aggregateType: 'Tally',
    snapshotSchemaVersion: 1,
    empty: (id) => new Tally(id),
    fromSnapshot: (id, state, version) => new Tally(id, state as TallyState, version),
  };
}
