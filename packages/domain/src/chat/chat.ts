import {
  AggregateRoot,
  type AggregateSpec,
  type RestoredState,
  defineAggregate,
} from '../aggregate-root.js';
import { type CommandContext, parseContext } from '../command-context.js';
import { NotAssignedError } from '../errors.js';
import { type TaskStatus, assertTransition } from '../status-machine.js';
import {
  AssignUserInput,
  ChangeStatusInput,
  SetDueDateInput,
  SetPriorityInput,
} from '../tracking-inputs.js';
import { parseInput } from '../validation.js';
import { type ChatType, type Priority, type Severity, isTrackedChatType } from '../vocabulary.js';
import {
  CannotRemoveCreatorError,
  ChatNotTrackedError,
  InvalidChatConversionError,
  NotParticipantError,
  ParticipantAlreadyAddedError,
  SeverityNotAllowedError,
} from './chat-errors.js';
import { type ChatEvent, chatEventSchemas } from './chat-events.js';
import {
  AddParticipantInput,
  ConvertChatInput,
  CreateChatInput,
  RemoveParticipantInput,
  RenameChatInput,
  SetSeverityInput,
} from './chat-inputs.js';
import {
  CHAT_SNAPSHOT_SCHEMA_VERSION,
  type ChatState,
  ChatStateSchema,
  evolveChat,
} from './chat-state.js';
import type { ParticipantDirectory } from './participant-directory.js';

const CHAT_SPEC: AggregateSpec<ChatState, ChatEvent> = {
  aggregateType: 'Chat',
  snapshotSchemaVersion: CHAT_SNAPSHOT_SCHEMA_VERSION,
  eventSchemas: chatEventSchemas,
  creationEventType: 'ChatCreated',
  idField: 'chatId',
  stateSchema: ChatStateSchema,
  evolve: evolveChat,
};

/**
 * A conversation in a workspace. A Discussion can be converted into a Task, Bug or Epic, which
 * then tracks a status, assignee, priority, due date and (bugs) severity.
 */
export class Chat extends AggregateRoot<ChatState, ChatEvent> implements ParticipantDirectory {
  private constructor(id: string, restored?: RestoredState<ChatState>) {
    super(CHAT_SPEC, id, restored);
  }

  /** Builds and restores chats: what a repository is given. */
  static readonly definition = defineAggregate(
    CHAT_SPEC,
    (id, restored): Chat => new Chat(id, restored),
  );

  /** Records `ChatCreated`, then `ParticipantAdded` for each listed participant. */
  static create(id: string, input: CreateChatInput, context: CommandContext): Chat {
    const { userId, at } = parseContext(context);
    const { workspaceId, type, title, participantIds } = parseInput(CreateChatInput, input);
    const chat = new Chat(id);
    chat.record('ChatCreated', {
      chatId: id,
      workspaceId,
      type,
      title,
      createdBy: userId,
      createdAt: at,
    });
    for (const participant of participantIds) {
      if (chat.isParticipant(participant)) continue;
      chat.record('ParticipantAdded', {
        chatId: id,
        userId: participant,
        addedBy: userId,
        addedAt: at,
      });
    }
    return chat;
  }

  get type(): ChatType {
    return this.state.type;
  }

  get title(): string {
    return this.state.title;
  }

  get participants(): readonly string[] {
    return this.state.participants;
  }

  get status(): TaskStatus | null {
    return this.state.status;
  }

  get assigneeId(): string | null {
    return this.state.assigneeId;
  }

  get priority(): Priority | null {
    return this.state.priority;
  }

  get dueDate(): Date | null {
    return this.state.dueDate;
  }

  get severity(): Severity | null {
    return this.state.severity;
  }

  isParticipant(userId: string): boolean {
    return this.state.participants.includes(userId);
  }

  /** Renaming to the current title records nothing. */
  rename(input: RenameChatInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { title } = parseInput(RenameChatInput, input);
    if (title === this.state.title) return;
    this.record('ChatRenamed', { chatId: this.id, title, renamedBy: userId, renamedAt: at });
  }

  addParticipant(input: AddParticipantInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { userId: participant } = parseInput(AddParticipantInput, input);
    if (this.isParticipant(participant)) {
      throw new ParticipantAlreadyAddedError(this.id, participant);
    }
    this.record('ParticipantAdded', {
      chatId: this.id,
      userId: participant,
      addedBy: userId,
      addedAt: at,
    });
  }

  /** Also unassigns the participant first if they were the assignee. */
  removeParticipant(input: RemoveParticipantInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { userId: participant } = parseInput(RemoveParticipantInput, input);
    if (participant === this.state.createdBy)
      throw new CannotRemoveCreatorError(this.id, participant);
    if (!this.isParticipant(participant)) throw new NotParticipantError(this.id, participant);
    if (this.state.assigneeId === participant) {
      this.record('UserUnassigned', {
        chatId: this.id,
        userId: participant,
        unassignedBy: userId,
        unassignedAt: at,
      });
    }
    this.record('ParticipantRemoved', {
      chatId: this.id,
      userId: participant,
      removedBy: userId,
      removedAt: at,
    });
  }

  /** The chat starts tracking at the initial status. */
  convertToTask(input: ConvertChatInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { to } = parseInput(ConvertChatInput, input);
    const from = this.state.type;
    if (from !== 'Discussion') throw new InvalidChatConversionError(this.id, from, to);
    this.record('ChatConvertedToTask', {
      chatId: this.id,
      from,
      to,
      convertedBy: userId,
      convertedAt: at,
    });
  }

  changeStatus(input: ChangeStatusInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { status: to } = parseInput(ChangeStatusInput, input);
    const from = this.#trackedStatus('change the status');
    assertTransition(this.id, from, to);
    this.record('StatusChanged', { chatId: this.id, from, to, changedBy: userId, changedAt: at });
  }

  /** The assignee must participate. Assigning the current assignee records nothing. */
  assign(input: AssignUserInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { userId: assignee } = parseInput(AssignUserInput, input);
    this.#trackedStatus('assign a user');
    if (!this.isParticipant(assignee)) throw new NotParticipantError(this.id, assignee);
    if (this.state.assigneeId === assignee) return;
    this.record('UserAssigned', {
      chatId: this.id,
      userId: assignee,
      assignedBy: userId,
      assignedAt: at,
    });
  }

  unassign(context: CommandContext): void {
    const { userId, at } = parseContext(context);
    this.#trackedStatus('unassign');
    const assignee = this.state.assigneeId;
    if (assignee === null) throw new NotAssignedError('Chat', this.id);
    this.record('UserUnassigned', {
      chatId: this.id,
      userId: assignee,
      unassignedBy: userId,
      unassignedAt: at,
    });
  }

  /** Setting the current priority records nothing. */
  setPriority(input: SetPriorityInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { priority } = parseInput(SetPriorityInput, input);
    this.#trackedStatus('set the priority');
    if (this.state.priority === priority) return;
    this.record('PrioritySet', { chatId: this.id, priority, setBy: userId, setAt: at });
  }

  /** `null` clears it. Setting the current due date records nothing. */
  setDueDate(input: SetDueDateInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { dueDate } = parseInput(SetDueDateInput, input);
    this.#trackedStatus('set the due date');
    if (this.state.dueDate?.getTime() === dueDate?.getTime()) return;
    this.record('DueDateSet', { chatId: this.id, dueDate, setBy: userId, setAt: at });
  }

  /** Bugs only. Setting the current severity records nothing. */
  setSeverity(input: SetSeverityInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { severity } = parseInput(SetSeverityInput, input);
    if (this.state.type !== 'Bug') throw new SeverityNotAllowedError(this.id, this.state.type);
    if (this.state.severity === severity) return;
    this.record('SeveritySet', { chatId: this.id, severity, setBy: userId, setAt: at });
  }

  #trackedStatus(operation: string): TaskStatus {
    const { type, status } = this.state;
    if (!isTrackedChatType(type) || status === null) {
      throw new ChatNotTrackedError(this.id, type, operation);
    }
    return status;
  }
}

/** Builds and restores chats: what a repository is given. */
export const ChatAggregate = Chat.definition;
