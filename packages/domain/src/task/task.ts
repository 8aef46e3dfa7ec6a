import type { AggregateDefinition, IncomingEvent } from '../aggregate-definition.js';
import { AggregateRoot, type AggregateSpec, restoreSnapshot } from '../aggregate-root.js';
import { type CommandContext, parseContext } from '../command-context.js';
import { NotAssignedError } from '../errors.js';
import { REOPENED_STATUS, type TaskStatus, assertTransition } from '../status-machine.js';
import {
  AssignUserInput,
  ChangeStatusInput,
  SetDueDateInput,
  SetPriorityInput,
} from '../tracking-inputs.js';
import { parseInput } from '../validation.js';
import type { Priority } from '../vocabulary.js';
import { TaskNotCompletedError } from './task-errors.js';
import { type TaskEvent, taskEventSchemas } from './task-events.js';
import { ChangeTaskDescriptionInput, CreateTaskInput, RenameTaskInput } from './task-inputs.js';
import {
  TASK_SNAPSHOT_SCHEMA_VERSION,
  type TaskState,
  TaskStateSchema,
  evolveTask,
} from './task-state.js';

const TASK_SPEC: AggregateSpec<TaskState, TaskEvent> = {
  aggregateType: 'Task',
  snapshotSchemaVersion: TASK_SNAPSHOT_SCHEMA_VERSION,
  eventSchemas: taskEventSchemas,
  creationEventType: 'TaskCreated',
  idField: 'taskId',
  stateSchema: TaskStateSchema,
  evolve: evolveTask,
};

/** A work item on the task board, optionally born from a chat. */
export class Task extends AggregateRoot<TaskState, TaskEvent> {
  private constructor(id: string, restored?: { state: TaskState; version: number }) {
    super(TASK_SPEC, id, restored);
  }

  static empty(id: string): Task {
    return new Task(id);
  }

  static fromEvents(id: string, events: Iterable<IncomingEvent>): Task {
    const task = new Task(id);
    for (const event of events) task.applyEvent(event);
    return task;
  }

  static fromSnapshot(id: string, data: unknown, version: number): Task {
    return new Task(id, restoreSnapshot(TASK_SPEC, id, data, version));
  }

  /**
   * Records `TaskCreated`, then the events of the optional priority, assignee and due date,
   * so a board sees the same events whether they were set at once or later.
   */
  static create(id: string, input: CreateTaskInput, context: CommandContext): Task {
    const { userId, at } = parseContext(context);
    const data = parseInput(CreateTaskInput, input);
    const task = new Task(id);
    task.record('TaskCreated', {
      taskId: id,
      workspaceId: data.workspaceId,
      chatId: data.chatId,
      title: data.title,
      description: data.description,
      createdBy: userId,
      createdAt: at,
    });
    if (data.priority !== undefined) task.setPriority({ priority: data.priority }, context);
    if (data.assigneeId !== undefined) task.assign({ userId: data.assigneeId }, context);
    if (data.dueDate !== undefined) task.setDueDate({ dueDate: data.dueDate }, context);
    return task;
  }

  get title(): string {
    return this.state.title;
  }

  get status(): TaskStatus {
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

  get isCompleted(): boolean {
    return this.state.status === 'done';
  }

  /** Renaming to the current title records nothing. */
  rename(input: RenameTaskInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { title } = parseInput(RenameTaskInput, input);
    if (title === this.state.title) return;
    this.record('TaskRenamed', { taskId: this.id, title, renamedBy: userId, renamedAt: at });
  }

  /** An unchanged description records nothing. */
  changeDescription(input: ChangeTaskDescriptionInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { description } = parseInput(ChangeTaskDescriptionInput, input);
    if (description === this.state.description) return;
    this.record('TaskDescriptionChanged', {
      taskId: this.id,
      description,
      changedBy: userId,
      changedAt: at,
    });
  }

  /**
   * Follows `STATUS_TRANSITIONS`. Records `TaskCompleted` on reaching `done`, `TaskReopened` on
   * leaving it and `TaskStatusChanged` otherwise.
   */
  changeStatus(input: ChangeStatusInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { status: to } = parseInput(ChangeStatusInput, input);
    const from = this.state.status;
    assertTransition(this.id, from, to);
    if (to === 'done') {
      this.record('TaskCompleted', { taskId: this.id, from, completedBy: userId, completedAt: at });
    } else if (from === 'done') {
      this.record('TaskReopened', { taskId: this.id, to, reopenedBy: userId, reopenedAt: at });
    } else {
      this.record('TaskStatusChanged', {
        taskId: this.id,
        from,
        to,
        changedBy: userId,
        changedAt: at,
      });
    }
  }

  complete(context: CommandContext): void {
    this.changeStatus({ status: 'done' }, context);
  }

  /** Back to `REOPENED_STATUS`; only a done task can be reopened. */
  reopen(context: CommandContext): void {
    if (this.state.status !== 'done') throw new TaskNotCompletedError(this.id, this.state.status);
    this.changeStatus({ status: REOPENED_STATUS }, context);
  }

  /** Assigning the current assignee records nothing. */
  assign(input: AssignUserInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { userId: assignee } = parseInput(AssignUserInput, input);
    if (this.state.assigneeId === assignee) return;
    this.record('TaskAssigned', {
      taskId: this.id,
      userId: assignee,
      assignedBy: userId,
      assignedAt: at,
    });
  }

  unassign(context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const assignee = this.state.assigneeId;
    if (assignee === null) throw new NotAssignedError('Task', this.id);
    this.record('TaskUnassigned', {
      taskId: this.id,
      userId: assignee,
      unassignedBy: userId,
      unassignedAt: at,
    });
  }

  /** Setting the current priority records nothing. */
  setPriority(input: SetPriorityInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { priority } = parseInput(SetPriorityInput, input);
    if (this.state.priority === priority) return;
    this.record('TaskPrioritySet', { taskId: this.id, priority, setBy: userId, setAt: at });
  }

  /** `null` clears it. Setting the current due date records nothing. */
  setDueDate(input: SetDueDateInput, context: CommandContext): void {
    const { userId, at } = parseContext(context);
    const { dueDate } = parseInput(SetDueDateInput, input);
    if (this.state.dueDate?.getTime() === dueDate?.getTime()) return;
    this.record('TaskDueDateSet', { taskId: this.id, dueDate, setBy: userId, setAt: at });
  }
}

export const TaskAggregate: AggregateDefinition<Task> = Object.freeze({
  aggregateType: TASK_SPEC.aggregateType,
  snapshotSchemaVersion: TASK_SNAPSHOT_SCHEMA_VERSION,
  eventTypes: Object.freeze(Object.keys(taskEventSchemas)),
  empty: (id: string) => Task.empty(id),
  fromSnapshot: (id: string, data: unknown, version: number) =>
    Task.fromSnapshot(id, data, version),
  fromEvents: (id: string, events: Iterable<IncomingEvent>) => Task.fromEvents(id, events),
});
