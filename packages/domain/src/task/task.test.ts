import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../command-context.js';
import {
  AggregateNotCreatedError,
  InvalidInputError,
  InvalidSnapshotError,
  NotAssignedError,
  UnsupportedSnapshotVersionError,
} from '../errors.js';
import { InvalidStatusTransitionError } from '../status-machine.js';
import { Task, TaskAggregate } from './task.js';
import { TaskNotCompletedError } from './task-errors.js';
import { TASK_SNAPSHOT_SCHEMA_VERSION } from './task-state.js';

const T0 = Date.UTC(2025, 0, 1);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const as = (userId: string, minute = 1): CommandContext => ({ userId, at: at(minute) });

function newTask(): Task {
  const task = Task.create('task-1', { workspaceId: 'ws-1', title: 'Write docs' }, as('alice', 0));
  task.markCommitted();
  return task;
}

function taskIn(status: 'in_progress' | 'in_review' | 'done' | 'blocked'): Task {
  const task = newTask();
  const path = {
    in_progress: ['in_progress'],
    in_review: ['in_progress', 'in_review'],
    done: ['in_progress', 'in_review', 'done'],
    blocked: ['blocked'],
  } as const;
  for (const step of path[status]) task.changeStatus({ status: step }, as('bob'));
  task.markCommitted();
  return task;
}

function expectDomainError<E>(
  action: () => unknown,
  errorClass: { isInstance(value: unknown): value is E },
  fields: Record<string, unknown> = {},
): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(errorClass.isInstance(caught)).toBe(true);
  expect(caught).toMatchObject(fields);
}

describe('Task.create', () => {
  it('records TaskCreated at the initial status', () => {
    const task = Task.create(
      'task-1',
      { workspaceId: 'ws-1', title: ' Write docs ' },
      as('alice', 0),
    );
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskCreated',
        data: {
          taskId: 'task-1',
          workspaceId: 'ws-1',
          chatId: null,
          title: 'Write docs',
          description: '',
          createdBy: 'alice',
          createdAt: at(0),
        },
      },
    ]);
    expect(task).toMatchObject({ title: 'Write docs', status: 'todo', isCompleted: false });
    expect(task).toMatchObject({ assigneeId: null, priority: null, dueDate: null });
  });

  it('records the optional priority, assignee and due date as their own events', () => {
    const task = Task.create(
      'task-1',
      {
        workspaceId: 'ws-1',
        title: 'Triage',
        description: 'From the crash report',
        chatId: 'chat-1',
        priority: 'high',
        assigneeId: 'bob',
        dueDate: '2025-01-31',
      },
      as('alice', 0),
    );
    expect(task.uncommittedEvents.map((e) => e.type)).toEqual([
      'TaskCreated',
      'TaskPrioritySet',
      'TaskAssigned',
      'TaskDueDateSet',
    ]);
    expect(task.state).toMatchObject({
      chatId: 'chat-1',
      description: 'From the crash report',
      priority: 'high',
      assigneeId: 'bob',
      dueDate: new Date('2025-01-31T00:00:00.000Z'),
    });
  });

  it('refuses an empty title and a missing workspace', () => {
    expectDomainError(
      () => Task.create('task-1', { workspaceId: 'ws-1', title: '' }, as('alice')),
      InvalidInputError,
      { field: 'title' },
    );
    expectDomainError(
      () => Task.create('task-1', { title: 'x' } as never, as('alice')),
      InvalidInputError,
      { field: 'workspaceId' },
    );
  });
});

describe('Task.rename and changeDescription', () => {
  it('records TaskRenamed and TaskDescriptionChanged', () => {
    const task = newTask();
    task.rename({ title: 'Write the docs' }, as('bob', 2));
    task.changeDescription({ description: 'All of them' }, as('bob', 3));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskRenamed',
        data: { taskId: 'task-1', title: 'Write the docs', renamedBy: 'bob', renamedAt: at(2) },
      },
      {
        type: 'TaskDescriptionChanged',
        data: { taskId: 'task-1', description: 'All of them', changedBy: 'bob', changedAt: at(3) },
      },
    ]);
  });

  it('records nothing for unchanged values', () => {
    const task = newTask();
    task.rename({ title: 'Write docs' }, as('bob'));
    task.changeDescription({ description: '' }, as('bob'));
    expect(task.uncommittedEvents).toEqual([]);
  });

  it('refuses a blank title', () => {
    expectDomainError(() => newTask().rename({ title: ' ' }, as('bob')), InvalidInputError);
  });
});

describe('Task status', () => {
  it('records TaskStatusChanged between open statuses', () => {
    const task = newTask();
    task.changeStatus({ status: 'in_progress' }, as('bob', 2));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskStatusChanged',
        data: {
          taskId: 'task-1',
          from: 'todo',
          to: 'in_progress',
          changedBy: 'bob',
          changedAt: at(2),
        },
      },
    ]);
    expect(task.status).toBe('in_progress');
  });

  it('records TaskCompleted on reaching done', () => {
    const task = taskIn('in_review');
    task.complete(as('alice', 5));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskCompleted',
        data: { taskId: 'task-1', from: 'in_review', completedBy: 'alice', completedAt: at(5) },
      },
    ]);
    expect(task.isCompleted).toBe(true);
    expect(task.state.completedAt).toEqual(at(5));
  });

  it('records TaskReopened on leaving done, by reopen() or changeStatus', () => {
    const task = taskIn('done');
    task.reopen(as('carol', 6));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskReopened',
        data: { taskId: 'task-1', to: 'todo', reopenedBy: 'carol', reopenedAt: at(6) },
      },
    ]);
    expect(task.state).toMatchObject({ status: 'todo', completedAt: null });
    const again = taskIn('done');
    again.changeStatus({ status: 'in_progress' }, as('carol'));
    expect(again.uncommittedEvents[0]).toMatchObject({
      type: 'TaskReopened',
      data: { to: 'in_progress' },
    });
  });

  it('refuses moves the state machine does not allow', () => {
    expectDomainError(() => newTask().complete(as('bob')), InvalidStatusTransitionError, {
      from: 'todo',
      to: 'done',
    });
    expectDomainError(
      () => taskIn('blocked').changeStatus({ status: 'in_review' }, as('bob')),
      InvalidStatusTransitionError,
      { from: 'blocked', to: 'in_review', allowed: ['todo', 'in_progress'] },
    );
    expectDomainError(
      () => taskIn('in_progress').changeStatus({ status: 'in_progress' }, as('bob')),
      InvalidStatusTransitionError,
    );
  });

  it('reopens only a done task', () => {
    expectDomainError(() => taskIn('in_progress').reopen(as('bob')), TaskNotCompletedError, {
      taskId: 'task-1',
      status: 'in_progress',
    });
  });
});

describe('Task assignment, priority and due date', () => {
  it('assigns, reassigns and unassigns', () => {
    const task = newTask();
    task.assign({ userId: 'bob' }, as('alice', 2));
    task.assign({ userId: 'bob' }, as('alice', 3));
    task.assign({ userId: 'carol' }, as('alice', 4));
    task.unassign(as('carol', 5));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskAssigned',
        data: { taskId: 'task-1', userId: 'bob', assignedBy: 'alice', assignedAt: at(2) },
      },
      {
        type: 'TaskAssigned',
        data: { taskId: 'task-1', userId: 'carol', assignedBy: 'alice', assignedAt: at(4) },
      },
      {
        type: 'TaskUnassigned',
        data: { taskId: 'task-1', userId: 'carol', unassignedBy: 'carol', unassignedAt: at(5) },
      },
    ]);
    expect(task.assigneeId).toBeNull();
  });

  it('refuses to unassign when nobody is assigned', () => {
    expectDomainError(() => newTask().unassign(as('bob')), NotAssignedError, {
      aggregateType: 'Task',
      aggregateId: 'task-1',
    });
  });

  it('sets the priority once per value', () => {
    const task = newTask();
    task.setPriority({ priority: 'urgent' }, as('bob', 2));
    task.setPriority({ priority: 'urgent' }, as('bob', 3));
    expect(task.uncommittedEvents).toEqual([
      {
        type: 'TaskPrioritySet',
        data: { taskId: 'task-1', priority: 'urgent', setBy: 'bob', setAt: at(2) },
      },
    ]);
    expect(task.priority).toBe('urgent');
    expectDomainError(
      () => task.setPriority({ priority: 'P0' } as never, as('bob')),
      InvalidInputError,
      { field: 'priority' },
    );
  });

  it('sets and clears the due date once per value', () => {
    const task = newTask();
    task.setDueDate({ dueDate: at(100) }, as('bob', 2));
    task.setDueDate({ dueDate: at(100).toISOString() }, as('bob', 3));
    task.setDueDate({ dueDate: null }, as('bob', 4));
    expect(task.uncommittedEvents.map((e) => e.data)).toEqual([
      { taskId: 'task-1', dueDate: at(100), setBy: 'bob', setAt: at(2) },
      { taskId: 'task-1', dueDate: null, setBy: 'bob', setAt: at(4) },
    ]);
    expect(task.dueDate).toBeNull();
  });
});

function busyTask(): Task {
  const task = Task.create(
    'task-1',
    { workspaceId: 'ws-1', title: 'Release', chatId: 'chat-1', priority: 'low' },
    as('alice', 0),
  );
  task.assign({ userId: 'bob' }, as('alice', 1));
  task.changeStatus({ status: 'in_progress' }, as('bob', 2));
  task.changeStatus({ status: 'in_review' }, as('bob', 3));
  task.complete(as('alice', 4));
  task.reopen(as('alice', 5));
  task.setDueDate({ dueDate: at(60) }, as('alice', 6));
  task.changeDescription({ description: 'Needs a changelog' }, as('alice', 7));
  task.rename({ title: 'Release 1.0' }, as('alice', 8));
  task.unassign(as('alice', 9));
  task.setPriority({ priority: 'high' }, as('alice', 10));
  return task;
}

describe('Task rebuild and snapshots', () => {
  it('rebuilds the command-built state from its events, also through JSON', () => {
    const built = busyTask();
    const stored = JSON.parse(JSON.stringify(built.uncommittedEvents)) as never[];
    for (const events of [built.uncommittedEvents, stored]) {
      const rebuilt = TaskAggregate.fromEvents('task-1', events);
      expect(rebuilt.state).toEqual(built.state);
      expect(rebuilt.version).toBe(built.version);
    }
  });

  it('round-trips a snapshot', () => {
    const built = busyTask();
    const snapshot = built.toSnapshot();
    expect(snapshot.schemaVersion).toBe(TASK_SNAPSHOT_SCHEMA_VERSION);
    const restored = TaskAggregate.fromSnapshot('task-1', snapshot, built.version);
    expect(restored.state).toEqual(built.state);
    expect(restored.version).toBe(built.version);
    restored.changeStatus({ status: 'in_progress' }, as('bob', 11));
    expect(restored.status).toBe('in_progress');
  });

  it('rejects unknown schema versions and malformed snapshots', () => {
    const snapshot = busyTask().toSnapshot();
    expectDomainError(
      () => TaskAggregate.fromSnapshot('task-1', { ...snapshot, schemaVersion: 0 }, 11),
      UnsupportedSnapshotVersionError,
      { aggregateType: 'Task', expected: 1, actual: 0 },
    );
    expectDomainError(
      () => TaskAggregate.fromSnapshot('task-1', { schemaVersion: 1, state: { id: 'task-1' } }, 11),
      InvalidSnapshotError,
    );
  });

  it('describes the aggregate and refuses commands before creation', () => {
    expect(TaskAggregate.aggregateType).toBe('Task');
    expect(TaskAggregate.eventTypes).toHaveLength(10);
    expectDomainError(
      () => TaskAggregate.empty('task-9').complete(as('bob')),
      AggregateNotCreatedError,
    );
  });
});
