import { type Chat, ChatAggregate, type Message, MessageAggregate } from '@flowra/domain';
import type { EventStore, FlowraLogger } from '@flowra/eventstore-core';
import { LruCache } from '@flowra/eventstore-core/adapter';
import { EventSourcedRepository, tenantStreamNaming } from '@flowra/repository';

interface TenantScope {
  chats: EventSourcedRepository<Chat>;
  messages: EventSourcedRepository<Message>;
}

export interface TenantRepositoriesOptions {
  store: EventStore;
  snapshotEvery: number;
  /** Tenants whose repositories (and their aggregate caches) are kept; least recent go first. */
  maxTenants?: number;
  logger?: FlowraLogger;
}

/**
 * One repository per tenant per aggregate type, bound to the tenant through its stream names
 * (`{tenant}_Chat_{id}`): a request can only ever reach its own tenant's streams, whatever id
 * it sends. Created on first use and cached.
 */
export class TenantRepositories {
  readonly #options: TenantRepositoriesOptions;
  readonly #tenants: LruCache<string, TenantScope>;

  constructor(options: TenantRepositoriesOptions) {
    this.#options = options;
    this.#tenants = new LruCache(options.maxTenants ?? 1_000);
  }

  chats(tenantId: string): EventSourcedRepository<Chat> {
    return this.#scope(tenantId).chats;
  }

  messages(tenantId: string): EventSourcedRepository<Message> {
    return this.#scope(tenantId).messages;
  }

  #scope(tenantId: string): TenantScope {
    let scope = this.#tenants.get(tenantId);
    if (!scope) {
      const { store, snapshotEvery, logger } = this.#options;
      const shared = {
        store,
        naming: tenantStreamNaming(tenantId),
        snapshots: { every: snapshotEvery },
        ...(logger ? { logger } : {}),
      };
      scope = {
        chats: new EventSourcedRepository({ ...shared, aggregate: ChatAggregate }),
        messages: new EventSourcedRepository({ ...shared, aggregate: MessageAggregate }),
      };
      this.#tenants.set(tenantId, scope);
    }
    return scope;
  }
}
