import type { AggregateDefinition, EventSourcedAggregate } from '../aggregate.js';

/** A note: a title and tags. The smallest aggregate that exercises everything the repository does. */
export interface NoteState {
  readonly id: string;
  readonly title: string;
  readonly tags: readonly string[];
}

export type NoteEvent =
  | {
      readonly type: 'NoteCreated';
      readonly data: { readonly noteId: string; readonly title: string };
    }
  | {
      readonly type: 'NoteRenamed';
      readonly data: { readonly noteId: string; readonly title: string };
    }
  | {
      readonly type: 'NoteTagged';
      readonly data: { readonly noteId: string; readonly tag: string };
    };

function evolve(state: NoteState | null, event: NoteEvent): NoteState {
  switch (event.type) {
    case 'NoteCreated':
      return { id: event.data.noteId, title: event.data.title, tags: [] };
    case 'NoteRenamed':
      return { ...state!, title: event.data.title };
    case 'NoteTagged':
      return { ...state!, tags: [...state!.tags, event.data.tag] };
  }
}

/** The repository harness's own aggregate, so it runs without any domain model. */
export class Note implements EventSourcedAggregate {
  #state: NoteState | null;
  #version: number;
  #uncommitted: NoteEvent[] = [];

  private constructor(
    readonly id: string,
    state: NoteState | null = null,
    version = 0,
  ) {
    this.#state = state;
    this.#version = version;
  }

  static create(id: string, title: string): Note {
    const note = new Note(id);
    note.#record({ type: 'NoteCreated', data: { noteId: id, title } });
    return note;
  }

  get state(): NoteState {
    if (!this.#state) throw new Error(`note '${this.id}' was not created`);
    return this.#state;
  }

  get version(): number {
    return this.#version;
  }

  get uncommittedEvents(): readonly NoteEvent[] {
    return [...this.#uncommitted];
  }

  rename(title: string): void {
    this.#record({ type: 'NoteRenamed', data: { noteId: this.id, title } });
  }

  tag(tag: string): void {
    this.#record({ type: 'NoteTagged', data: { noteId: this.id, tag } });
  }

  applyEvent(event: { type: string; data: unknown }): void {
    this.#state = evolve(this.#state, event as NoteEvent);
    this.#version++;
  }

  markCommitted(): void {
    this.#uncommitted = [];
  }

  toSnapshot(): NoteState {
    return this.state;
  }

  #record(event: NoteEvent): void {
    this.applyEvent(event);
    this.#uncommitted.push(event);
  }

  static readonly definition: AggregateDefinition<Note> = {
    aggregateType: 'Note',
    snapshotSchemaVersion: 1,
    empty: (id) => new Note(id),
    fromSnapshot(id, state, version) {
      const s = state as Partial<NoteState> | null;
      if (s?.id !== id || typeof s.title !== 'string' || !Array.isArray(s.tags)) {
        throw new Error(`not a snapshot of note '${id}'`);
      }
      return new Note(id, { id, title: s.title, tags: [...s.tags] }, version);
    },
  };
}

export const NoteAggregate = Note.definition;
