import type { ProjectionDefinition } from './define-projection.js';
import { ProjectionDefinitionError } from './errors.js';
import type { ProjectionHealth } from './health.js';
import { ProjectionReader } from './projection-reader.js';
import {
  ProjectionRunner,
  type ProjectionRunnerOptions,
  defaultOwner,
} from './projection-runner.js';
import type { ReadModelStore } from './read-model-store.js';

export interface ProjectionsOptions extends Omit<ProjectionRunnerOptions, 'projection'> {
  projections: readonly ProjectionDefinition<any>[];
}

/**
 * A process's projections, each run by its own runner (a failing one stops alone), all under
 * one owner name. Start as many processes as you like: each projection runs in one of them.
 */
export class Projections {
  readonly runners: ReadonlyMap<string, ProjectionRunner>;
  readonly #readModels: ReadModelStore;

  constructor(options: ProjectionsOptions) {
    const owner = options.owner ?? defaultOwner();
    const runners = new Map<string, ProjectionRunner>();
    for (const projection of options.projections) {
      if (runners.has(projection.name)) {
        throw new ProjectionDefinitionError('name', `'${projection.name}' is used twice`);
      }
      runners.set(projection.name, new ProjectionRunner({ ...options, owner, projection }));
    }
    this.runners = runners;
    this.#readModels = options.readModels;
  }

  static start(options: ProjectionsOptions): Projections {
    const projections = new Projections(options);
    projections.start();
    return projections;
  }

  start(): void {
    for (const runner of this.runners.values()) runner.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }

  runner(name: string): ProjectionRunner {
    const runner = this.runners.get(name);
    if (!runner)
      throw new ProjectionDefinitionError('name', `'${name}' is not one of these projections`);
    return runner;
  }

  /** Reads a projection's documents from the generation readers are on. */
  reader(name: string): ProjectionReader {
    this.runner(name);
    return new ProjectionReader(this.#readModels, name);
  }

  /** True once every projection here reflects `position` (false after `timeoutMs`). */
  async waitFor(position: number, timeoutMs = 5_000): Promise<boolean> {
    const results = await Promise.all(
      [...this.runners.values()].map((runner) => runner.waitFor(position, timeoutMs)),
    );
    return results.every(Boolean);
  }

  health(): Promise<ProjectionHealth[]> {
    return Promise.all([...this.runners.values()].map((runner) => runner.health()));
  }
}
