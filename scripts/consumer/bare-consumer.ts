// A project with neither Node's types nor the DOM library: the packages that do no I/O of
// their own must type-check there too.
import { Chat, ChatAggregate, domainEventDefinitions } from '@flowra/domain';
import { EventRegistry, type EventStore, InMemoryEventStore } from '@flowra/eventstore-core';
import { EventSourcedRepository } from '@flowra/repository';

const store: EventStore = new InMemoryEventStore({
  registry: new EventRegistry().registerAll(domainEventDefinitions),
});
const chats = new EventSourcedRepository({ store, aggregate: ChatAggregate });
const chat = Chat.create('c-1', { workspaceId: 'w', title: 'T' }, { userId: 'u', at: new Date() });
export const saved: Promise<unknown> = chats.save(chat);
