import { type AddressInfo, type Server, type Socket, createServer, connect } from 'node:net';
import type { SeededRandom } from './seeded-random.js';
import { MessageFramer } from './wire-messages.js';

export interface FaultRates {
  /** Per new connection: reset it at once. */
  resetOnConnect: number;
  /** Per request: reset both sides instead of forwarding it. */
  resetBeforeForward: number;
  /** Per request: forward it, wait for the server's reply, then drop the connection without relaying it. */
  dropReply: number;
  /** Per second: reset every open connection and refuse new ones for 200–800 ms (a restart, a failover). */
  outagePerSecond: number;
}

export interface FaultCounts {
  connections: number;
  resetOnConnect: number;
  resetBeforeForward: number;
  dropReply: number;
  outages: number;
  refusedDuringOutage: number;
}

/**
 * A TCP proxy in front of the database that injects faults at random moments: connection
 * resets, requests that never reach the server, and (the interesting case) requests the
 * server carried out whose reply is then lost. Faults only happen while enabled.
 */
export class FaultProxy {
  readonly counts: FaultCounts = {
    connections: 0,
    resetOnConnect: 0,
    resetBeforeForward: 0,
    dropReply: 0,
    outages: 0,
    refusedDuringOutage: 0,
  };
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #target: { host: string; port: number };
  readonly #rng: SeededRandom;
  readonly #rates: FaultRates;
  readonly #rewrite: ((message: Buffer) => Buffer) | undefined;
  #enabled = false;
  #outageUntil = 0;
  #outageTimer: NodeJS.Timeout | undefined;

  /** `rewrite` may change each request on its way (a compatibility shim), faults or not. */
  constructor(
    target: { host: string; port: number },
    rng: SeededRandom,
    rates: FaultRates,
    rewrite?: (message: Buffer) => Buffer,
  ) {
    this.#target = target;
    this.#rng = rng;
    this.#rates = rates;
    this.#rewrite = rewrite;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Faults injected so far (connections refused during an outage count once per outage). */
  get injected(): number {
    const c = this.counts;
    return c.resetOnConnect + c.resetBeforeForward + c.dropReply + c.outages;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () =>
        resolve((this.#server.address() as AddressInfo).port),
      );
    });
  }

  enable(): void {
    this.#enabled = true;
    this.#outageTimer ??= setInterval(() => {
      if (this.#enabled && this.#rng.chance(this.#rates.outagePerSecond)) this.#outage();
    }, 1_000);
    this.#outageTimer.unref();
  }

  disable(): void {
    this.#enabled = false;
    this.#outageUntil = 0;
  }

  async close(): Promise<void> {
    this.disable();
    clearInterval(this.#outageTimer);
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #outage(): void {
    this.counts.outages++;
    this.#outageUntil = Date.now() + this.#rng.int(200, 800);
    for (const socket of this.#sockets) socket.resetAndDestroy();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    this.counts.connections++;
    this.#track(client);
    client.on('error', () => {});
    if (this.#enabled && Date.now() < this.#outageUntil) {
      this.counts.refusedDuringOutage++;
      client.resetAndDestroy();
      return;
    }
    if (this.#enabled && this.#rng.chance(this.#rates.resetOnConnect)) {
      this.counts.resetOnConnect++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.#target.port, this.#target.host);
    this.#track(upstream);
    upstream.on('error', () => {});
    let dropping = false;
    const kill = (reset: boolean) => {
      if (reset) client.resetAndDestroy();
      else client.destroy();
      upstream.destroy();
    };
    // Requests are cut at message boundaries, so a fault hits a whole request.
    const framer = new MessageFramer();
    client.on('data', (chunk: Buffer) => {
      for (const message of framer.push(chunk)) {
        if (this.#enabled && !dropping) {
          const roll = this.#rng.next();
          if (roll < this.#rates.resetBeforeForward) {
            this.counts.resetBeforeForward++;
            kill(true);
            return;
          }
          if (roll < this.#rates.resetBeforeForward + this.#rates.dropReply) {
            this.counts.dropReply++;
            dropping = true;
          }
        }
        if (!upstream.write(this.#rewrite ? this.#rewrite(message) : message)) client.pause();
      }
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk) => {
      // The server has answered, so it carried the request out: the client never learns it.
      if (dropping) return kill(false);
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }
}
