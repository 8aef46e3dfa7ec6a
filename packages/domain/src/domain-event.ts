import type { z } from 'zod';

/** What an aggregate records and a store persists: a type name and a plain data object. */
export interface DomainEvent<TType extends string = string, TData = object> {
  readonly type: TType;
  readonly data: TData;
}

/** Event type name → zod schema of its data. */
export type EventSchemaMap = { readonly [type: string]: z.ZodType<object> };

/** The discriminated union of events described by a schema map, data typed from the schemas. */
export type EventUnion<M extends EventSchemaMap> = {
  [K in keyof M & string]: DomainEvent<K, z.output<M[K]>>;
}[keyof M & string];

export type EventOf<E extends DomainEvent, K extends E['type']> = Extract<E, { type: K }>;

/**
 * The shape an event registry takes (`registry.register(type, def.schema, { version })`), given
 * here so the domain does not depend on the registry.
 */
export interface DomainEventDefinition<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly version: number;
}

export type DomainEventDefinitions<M extends EventSchemaMap> = {
  readonly [K in keyof M]: { readonly schema: M[K]; readonly version: 1 };
};

/** Every event starts at schema version 1; bump per type here once an upcaster exists. */
export function toEventDefinitions<M extends EventSchemaMap>(
  schemas: M,
): DomainEventDefinitions<M> {
  const definitions: Record<string, DomainEventDefinition> = {};
  for (const [type, schema] of Object.entries(schemas)) {
    definitions[type] = Object.freeze({ schema, version: 1 });
  }
  return Object.freeze(definitions) as DomainEventDefinitions<M>;
}
