import type { Chat, Message } from '@flowra/domain';
import type { RecordedEvent } from '@flowra/eventstore-core';

// What clients see: the aggregate's state plus its version (also sent as the ETag).

export function chatView(chat: Chat) {
  return { ...chat.state, version: chat.version };
}

export function messageView(message: Message) {
  return { ...message.state, version: message.version };
}

/** One log entry as the live feed sends it. */
export function eventView(event: RecordedEvent) {
  return {
    position: event.position,
    type: event.type,
    streamId: event.streamId,
    version: event.version,
    data: event.data,
    userId: event.metadata.userId ?? null,
    recordedAt: event.recordedAt,
  };
}
