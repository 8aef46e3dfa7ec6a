/** Structured fields of a log line. */
export type LogFields = Record<string, unknown>;

/**
 * What Flowra tells operators that is not a span: retries given up, change-stream fallbacks,
 * schema checks, gaps reported. The signature is pino's (`logger.warn(fields, message)`), so
 * a pino logger (or a child of one) can be passed as it is.
 */
export interface FlowraLogger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

export type LogLevel = keyof FlowraLogger;

const nothing = () => {};

/** The default: says nothing. */
export const silentLogger: FlowraLogger = Object.freeze({
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
});

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * One JSON line per entry on stderr, from `level` up: enough for a process without a logging
 * library; production code usually passes its own (pino, or an adapter to another).
 */
export function consoleLogger(options: { level?: LogLevel; name?: string } = {}): FlowraLogger {
  const from = LEVELS.indexOf(options.level ?? 'info');
  const line =
    (level: LogLevel) =>
    (fields: LogFields, message: string): void => {
      const entry = {
        level,
        time: new Date().toISOString(),
        ...(options.name === undefined ? {} : { name: options.name }),
        msg: message,
        ...fields,
      };
      console.error(JSON.stringify(entry, errorsAsObjects));
    };
  const pick = (level: LogLevel) => (LEVELS.indexOf(level) >= from ? line(level) : nothing);
  return { debug: pick('debug'), info: pick('info'), warn: pick('warn'), error: pick('error') };
}

function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
