import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

/**
 * Counts inserts the server refused with a duplicate key (11000): the adapter's internal
 * retries when a racing writer took the log position or stream version it tried. MongoDB
 * reports them as `writeErrors` of a successful command, the jongodb emulator as a failed
 * command; both count. Needs a client created with `monitorCommands: true`.
 */
export class DuplicateKeyCounter {
  count = 0;
  readonly #client: MongoClient;
  readonly #succeeded = (event: CommandSucceededEvent) => {
    if (event.commandName !== 'insert') return;
    const errors = (event.reply as { writeErrors?: { code?: number }[] } | undefined)?.writeErrors;
    if (errors?.some((e) => e.code === 11000)) this.count++;
  };
  readonly #failed = (event: CommandFailedEvent) => {
    if (event.commandName === 'insert' && (event.failure as { code?: unknown }).code === 11000)
      this.count++;
  };

  constructor(client: MongoClient) {
    this.#client = client;
    client.on('commandSucceeded', this.#succeeded);
    client.on('commandFailed', this.#failed);
  }

  dispose(): void {
    this.#client.off('commandSucceeded', this.#succeeded);
    this.#client.off('commandFailed', this.#failed);
  }
}

/**
 * Finds, inserts and refused inserts a client sends while `counting` is on: what placing
 * commits costs per append, whoever places them. Needs a client created with
 * `monitorCommands: true`.
 */
export class CommandTally {
  readonly commands = { find: 0, insert: 0, refused: 0 };
  counting = false;

  constructor(client: MongoClient) {
    client.on('commandSucceeded', (event) => {
      if (!this.counting) return;
      if (event.commandName === 'find') this.commands.find++;
      if (event.commandName === 'insert') {
        this.commands.insert++;
        const reply = event.reply as { writeErrors?: { code?: number }[] } | undefined;
        if (reply?.writeErrors?.some((e) => e.code === 11000)) this.commands.refused++;
      }
    });
    client.on('commandFailed', (event) => {
      if (!this.counting) return;
      if (event.commandName === 'find') this.commands.find++;
      if (event.commandName === 'insert') {
        this.commands.insert++;
        if ((event.failure as { code?: unknown }).code === 11000) this.commands.refused++;
      }
    });
  }
}
