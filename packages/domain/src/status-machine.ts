import { z } from 'zod';
import { DomainError } from './domain-error.js';

/** In task-board column order. */
export const TASK_STATUSES = ['todo', 'in_progress', 'in_review', 'blocked', 'done'] as const;
export const TaskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

export const INITIAL_STATUS: TaskStatus = 'todo';

/** Where `reopen()` sends a finished task. */
export const REOPENED_STATUS: TaskStatus = 'todo';

const freeze = (statuses: TaskStatus[]): readonly TaskStatus[] => Object.freeze(statuses);

/**
 * The only moves a status can make; everything else is refused. Work reaches `done` through
 * review, `blocked` can be entered from any open status, and `done` can be reopened.
 */
export const STATUS_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> =
  Object.freeze({
    todo: freeze(['in_progress', 'blocked']),
    in_progress: freeze(['in_review', 'blocked', 'todo']),
    in_review: freeze(['done', 'in_progress', 'blocked']),
    blocked: freeze(['todo', 'in_progress']),
    done: freeze(['todo', 'in_progress']),
  });

export function allowedTransitions(from: TaskStatus): readonly TaskStatus[] {
  return STATUS_TRANSITIONS[from];
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

export function isOpenStatus(status: TaskStatus): boolean {
  return status !== 'done';
}

export class InvalidStatusTransitionError extends DomainError {
  static readonly code = 'INVALID_STATUS_TRANSITION';
  readonly aggregateId: string;
  readonly from: TaskStatus;
  readonly to: TaskStatus;
  readonly allowed: readonly TaskStatus[];

  constructor(aggregateId: string, from: TaskStatus, to: TaskStatus) {
    const allowed = allowedTransitions(from);
    super(
      'InvalidStatusTransitionError',
      InvalidStatusTransitionError.code,
      `'${aggregateId}' cannot move from '${from}' to '${to}' (allowed: ${allowed.join(', ')})`,
    );
    this.aggregateId = aggregateId;
    this.from = from;
    this.to = to;
    this.allowed = allowed;
  }
}

export function assertTransition(aggregateId: string, from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw new InvalidStatusTransitionError(aggregateId, from, to);
}
