import { DomainError } from '../domain-error.js';
import type { TaskStatus } from '../status-machine.js';

/** `reopen()` on a task that is not done. */
export class TaskNotCompletedError extends DomainError {
  static readonly code = 'TASK_NOT_COMPLETED';
  readonly taskId: string;
  readonly status: TaskStatus;

  constructor(taskId: string, status: TaskStatus) {
    super(
      'TaskNotCompletedError',
      TaskNotCompletedError.code,
      `Task '${taskId}' is '${status}', not 'done', so it cannot be reopened`,
    );
    this.taskId = taskId;
    this.status = status;
  }
}
