// Aggregate plumbing: what each aggregate is built from
export {
  AggregateRoot,
  type AggregateSpec,
  type RestoredState,
  defineAggregate,
} from './aggregate-root.js';
export {
  type DomainEvent,
  type DomainEventDefinition,
  type DomainEventDefinitions,
  type EventOf,
  type EventSchemaMap,
  type EventUnion,
  toEventDefinitions,
} from './domain-event.js';
export { type CommandContext, CommandContextSchema } from './command-context.js';

// Errors
export { DomainError } from './domain-error.js';
export {
  AggregateNotCreatedError,
  InvalidEventError,
  InvalidInputError,
  InvalidSnapshotError,
  NotAssignedError,
} from './errors.js';
export {
  CannotRemoveCreatorError,
  ChatNotTrackedError,
  InvalidChatConversionError,
  NotParticipantError,
  ParticipantAlreadyAddedError,
  SeverityNotAllowedError,
} from './chat/chat-errors.js';
export {
  ChatMismatchError,
  MessageDeletedError,
  NotMessageAuthorError,
  ReactionAlreadyAddedError,
  ReactionNotFoundError,
} from './message/message-errors.js';

// Vocabulary and the status state machine
export {
  DateSchema,
  DescriptionSchema,
  EmojiSchema,
  IdSchema,
  MessageBodySchema,
  TitleSchema,
} from './primitives.js';
export {
  CHAT_TYPES,
  type ChatType,
  ChatTypeSchema,
  PRIORITIES,
  type Priority,
  PrioritySchema,
  SEVERITIES,
  type Severity,
  SeveritySchema,
  TRACKED_CHAT_TYPES,
  type TrackedChatType,
  TrackedChatTypeSchema,
  isTrackedChatType,
} from './vocabulary.js';
export {
  INITIAL_STATUS,
  InvalidStatusTransitionError,
  REOPENED_STATUS,
  STATUS_TRANSITIONS,
  TASK_STATUSES,
  type TaskStatus,
  TaskStatusSchema,
  allowedTransitions,
  assertTransition,
  canTransition,
  isOpenStatus,
} from './status-machine.js';

// Command inputs, reusable as request-body validators
export {
  AssignUserInput,
  ChangeStatusInput,
  SetDueDateInput,
  SetPriorityInput,
} from './tracking-inputs.js';
export {
  AddParticipantInput,
  ConvertChatInput,
  CreateChatInput,
  RemoveParticipantInput,
  RenameChatInput,
  SetSeverityInput,
} from './chat/chat-inputs.js';
export {
  AddReactionInput,
  EditMessageInput,
  PostMessageInput,
  RemoveReactionInput,
} from './message/message-inputs.js';

// Chat
export { Chat, ChatAggregate } from './chat/chat.js';
export {
  CHAT_SNAPSHOT_SCHEMA_VERSION,
  type ChatState,
  ChatStateSchema,
  evolveChat,
} from './chat/chat-state.js';
export {
  ChatConvertedToTaskSchema,
  ChatCreatedSchema,
  type ChatEvent,
  type ChatEventType,
  ChatRenamedSchema,
  DueDateSetSchema,
  ParticipantAddedSchema,
  ParticipantRemovedSchema,
  PrioritySetSchema,
  SeveritySetSchema,
  StatusChangedSchema,
  UserAssignedSchema,
  UserUnassignedSchema,
  chatEventSchemas,
} from './chat/chat-events.js';
export {
  type ParticipantDirectory,
  participantDirectory,
} from './chat/participant-directory.js';

// Message
export { Message, MessageAggregate } from './message/message.js';
export {
  MESSAGE_SNAPSHOT_SCHEMA_VERSION,
  type MessageState,
  MessageStateSchema,
  type Reaction,
  ReactionSchema,
  evolveMessage,
} from './message/message-state.js';
export {
  type MessageEvent,
  type MessageEventType,
  MessageDeletedSchema,
  MessageEditedSchema,
  MessagePostedSchema,
  ReactionAddedSchema,
  ReactionRemovedSchema,
  messageEventSchemas,
} from './message/message-events.js';

// The whole domain's events
export {
  type AllEventSchemas,
  type AnyDomainEvent,
  type DomainEventData,
  type DomainEventType,
  allEventSchemas,
  domainEventDefinitions,
} from './event-definitions.js';
