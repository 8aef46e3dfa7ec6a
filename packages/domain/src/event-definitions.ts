import { type ChatEvent, chatEventSchemas } from './chat/chat-events.js';
import { type DomainEventDefinitions, toEventDefinitions } from './domain-event.js';
import { type MessageEvent, messageEventSchemas } from './message/message-events.js';

/** Every event type of the domain → zod schema of its data; type names are unique across. */
export const allEventSchemas = {
  ...chatEventSchemas,
  ...messageEventSchemas,
} as const;

export type AllEventSchemas = typeof allEventSchemas;

/** `{ [type]: { schema, version } }`, ready to hand to an event registry. */
export const domainEventDefinitions: DomainEventDefinitions<AllEventSchemas> =
  toEventDefinitions(allEventSchemas);

export type AnyDomainEvent = ChatEvent | MessageEvent;
export type DomainEventType = AnyDomainEvent['type'];
export type DomainEventData<K extends DomainEventType> = Extract<
  AnyDomainEvent,
  { type: K }
>['data'];
