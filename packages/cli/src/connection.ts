import { type Db, MongoClient } from 'mongodb';
import { CliError, EXIT_USAGE } from './exit-codes.js';

export const DEFAULT_URI = 'mongodb://127.0.0.1:27017';
export const DEFAULT_DB = 'flowra';
/** An operator waiting on a dead server wants to know within seconds, not the driver's 30. */
const SERVER_SELECTION_TIMEOUT_MS = 3_000;

export interface ConnectionOptions {
  uri?: string;
  db?: string;
}

export interface Target {
  uri: string;
  /** Where the URI came from, for error messages. */
  uriSource: '--uri' | 'MONGODB_URI' | 'default';
  dbName: string;
  /** The hosts of the URI without credentials, e.g. `127.0.0.1:27017`. */
  hosts: string;
}

export interface Connection {
  client: MongoClient;
  db: Db;
  target: Target;
}

function splitUri(uri: string): { authority: string; path: string } {
  const scheme = /^mongodb(\+srv)?:\/\//i.exec(uri);
  const rest = scheme ? uri.slice(scheme[0].length) : uri;
  const withoutQuery = rest.split('?')[0] ?? '';
  // A host list never holds '/' (Unix socket paths are percent-encoded), so the first one ends it.
  const slash = withoutQuery.indexOf('/');
  return slash < 0
    ? { authority: withoutQuery, path: '' }
    : { authority: withoutQuery.slice(0, slash), path: withoutQuery.slice(slash + 1) };
}

/** The database named in a connection string's path, if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const { path } = splitUri(uri);
  if (path === '') return undefined;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function hostsOfUri(uri: string): string {
  const { authority } = splitUri(uri);
  const at = authority.lastIndexOf('@');
  return (at < 0 ? authority : authority.slice(at + 1)) || '(no host)';
}

export function resolveTarget(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): Target {
  const fromEnv = env.MONGODB_URI?.trim() ? env.MONGODB_URI.trim() : undefined;
  const uri = options.uri ?? fromEnv ?? DEFAULT_URI;
  const uriSource =
    options.uri !== undefined ? '--uri' : fromEnv !== undefined ? 'MONGODB_URI' : 'default';
  const dbName = options.db ?? dbNameFromUri(uri) ?? DEFAULT_DB;
  return { uri, uriSource, dbName, hosts: hostsOfUri(uri) };
}

function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (
      name === 'MongoServerSelectionError' ||
      name === 'MongoNetworkError' ||
      name === 'MongoNetworkTimeoutError'
    ) {
      return true;
    }
  }
  return false;
}

function rootMessage(error: unknown): string {
  let e = error as { cause?: unknown; message?: unknown; reason?: unknown };
  // The driver's selection error is terse; the socket error underneath says what happened.
  while (e?.cause && typeof (e.cause as { message?: unknown }).message === 'string')
    e = e.cause as typeof e;
  return String(e?.message ?? error)
    .replace(/\s+/g, ' ')
    .trim();
}

/** One line for an operator: which host was tried, what failed, how to point flowra elsewhere. */
export function unreachableMessage(target: Target, error: unknown): string {
  const from = target.uriSource === 'default' ? 'the default URI' : target.uriSource;
  return (
    `cannot reach MongoDB at ${target.hosts} (from ${from}): ${rootMessage(error)}. ` +
    'Start the server, or point flowra at one with --uri mongodb://HOST:PORT/DB or MONGODB_URI.'
  );
}

/** Maps a failure to reach the server, at connect time or later, to the one-line CliError. */
export function connectionFailure(target: Target, error: unknown): CliError | undefined {
  return isUnreachable(error)
    ? new CliError(unreachableMessage(target, error), EXIT_USAGE)
    : undefined;
}

/**
 * A database failure after connecting, as one line naming the host: the unreachable-server line
 * (exit 2) when the server is gone, else what it answered (exit 1, a failed read).
 */
export function databaseFailure(target: Target, doing: string, error: unknown): CliError {
  return (
    connectionFailure(target, error) ??
    new CliError(`${doing} from MongoDB at ${target.hosts} failed: ${rootMessage(error)}`)
  );
}

export async function connect(options: ConnectionOptions): Promise<Connection> {
  const target = resolveTarget(options);
  if (target.dbName === '' || /[/\\. "$\0]/.test(target.dbName)) {
    throw new CliError(`invalid database name '${target.dbName}'`, EXIT_USAGE);
  }
  let client: MongoClient;
  try {
    client = new MongoClient(target.uri, {
      serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      appName: 'flowra-cli',
    });
  } catch (error) {
    throw new CliError(
      `invalid MongoDB URI (from ${target.uriSource}): ${rootMessage(error)}`,
      EXIT_USAGE,
    );
  }
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => {});
    throw (
      connectionFailure(target, error) ??
      new CliError(
        `cannot connect to MongoDB at ${target.hosts}: ${rootMessage(error)}`,
        EXIT_USAGE,
      )
    );
  }
  return { client, db: client.db(target.dbName), target };
}
