import { describe, expect, it } from 'vitest';
import {
  INITIAL_STATUS,
  InvalidStatusTransitionError,
  STATUS_TRANSITIONS,
  TASK_STATUSES,
  TaskStatusSchema,
  allowedTransitions,
  assertTransition,
  canTransition,
  isOpenStatus,
} from './status-machine.js';

describe('status state machine', () => {
  it('defines moves for every status, only to known statuses, never to itself', () => {
    expect(Object.keys(STATUS_TRANSITIONS).sort()).toEqual([...TASK_STATUSES].sort());
    for (const from of TASK_STATUSES) {
      for (const to of allowedTransitions(from)) {
        expect(TASK_STATUSES).toContain(to);
        expect(to).not.toBe(from);
      }
    }
  });

  it('follows todo → in_progress → in_review → done with reopen and blocked', () => {
    expect(INITIAL_STATUS).toBe('todo');
    expect(canTransition('todo', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'in_review')).toBe(true);
    expect(canTransition('in_review', 'done')).toBe(true);
    expect(canTransition('done', 'todo')).toBe(true);
    expect(canTransition('in_progress', 'blocked')).toBe(true);
    expect(canTransition('blocked', 'in_progress')).toBe(true);
    expect(canTransition('todo', 'done')).toBe(false);
    expect(canTransition('blocked', 'done')).toBe(false);
    expect(canTransition('done', 'blocked')).toBe(false);
  });

  it('makes every status reachable from the initial one', () => {
    const seen = new Set([INITIAL_STATUS]);
    const queue = [INITIAL_STATUS];
    while (queue.length > 0) {
      for (const next of allowedTransitions(queue.shift()!)) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect([...seen].sort()).toEqual([...TASK_STATUSES].sort());
  });

  it('is frozen', () => {
    expect(Object.isFrozen(STATUS_TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(STATUS_TRANSITIONS.todo)).toBe(true);
  });

  it('throws a typed error for a refused move', () => {
    expect(() => assertTransition('t1', 'todo', 'in_progress')).not.toThrow();
    let caught: unknown;
    try {
      assertTransition('t1', 'todo', 'done');
    } catch (error) {
      caught = error;
    }
    expect(InvalidStatusTransitionError.isInstance(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
      aggregateId: 't1',
      from: 'todo',
      to: 'done',
      allowed: ['in_progress', 'blocked'],
    });
  });

  it('tells open statuses from done and validates names', () => {
    expect(TASK_STATUSES.filter(isOpenStatus)).not.toContain('done');
    expect(isOpenStatus('blocked')).toBe(true);
    expect(TaskStatusSchema.safeParse('archived').success).toBe(false);
  });
});
