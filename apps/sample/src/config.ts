import { z } from 'zod';

/**
 * Everything the app reads from the environment, validated here and nowhere else: a bad value
 * stops the process at start with a message naming the variable, instead of surfacing later as
 * a confusing failure deep in a request.
 */
export interface Config {
  port: number;
  host: string;
  /** Unset: the in-memory store (nothing to install or start). */
  mongodbUri: string | undefined;
  mongodbDb: string;
  snapshotEvery: number;
  pollIntervalMs: number;
  /** Seed the demo scenario at start; only ever done on the in-memory store. */
  seedDemo: boolean;
  /** `console`: register the OpenTelemetry SDK and print spans and metrics (default `off`). */
  otel: 'off' | 'console';
  /** Flowra's log lines on stderr from this level up (default `warn`). */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEFAULT_DB = 'flowra_sample';

function integer(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be an integer from ${min} to ${max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message: `${message} (got ${JSON.stringify(raw)})` });
      return z.NEVER;
    });
}

function flag(name: string, fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return fallback;
      if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
      if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false (got "${raw}")` });
      return z.NEVER;
    });
}

const EnvSchema = z.object({
  PORT: integer('PORT', 0, 65_535, 3000),
  // No authentication here: tenant and user come from headers. Listening on loopback by default
  // keeps a sample from being exposed by accident; set HOST=0.0.0.0 in a container.
  HOST: z.string().optional().default('127.0.0.1'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'MONGODB_URI must start with mongodb:// or mongodb+srv://')
    .optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'MONGODB_DB must be 1-63 letters, digits, "_" or "-"')
    .optional(),
  SNAPSHOT_EVERY: integer('SNAPSHOT_EVERY', 1, 100_000, 10),
  POLL_INTERVAL_MS: integer('POLL_INTERVAL_MS', 10, 60_000, 100),
  SEED_DEMO: flag('SEED_DEMO', true),
  FLOWRA_OTEL: z
    .enum(['off', 'console'], { message: 'FLOWRA_OTEL must be off or console' })
    .optional()
    .default('off'),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error', 'silent'], {
      message: 'LOG_LEVEL must be debug, info, warn, error or silent',
    })
    .optional()
    .default('warn'),
});

/** The database named in a connection string's path (`mongodb://host/<db>?…`), if any. */
export function databaseFromUri(uri: string): string | undefined {
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]+\/([^?]*)/.exec(uri)?.[1];
  return path ? decodeURIComponent(path) : undefined;
}

/** Throws `ConfigError` listing every bad variable. Empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((key) => [key, env[key]?.trim()])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => issue.message);
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB ?? (e.MONGODB_URI && databaseFromUri(e.MONGODB_URI)) ?? DEFAULT_DB,
    snapshotEvery: e.SNAPSHOT_EVERY,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    seedDemo: e.SEED_DEMO,
    otel: e.FLOWRA_OTEL,
    logLevel: e.LOG_LEVEL,
  };
}
