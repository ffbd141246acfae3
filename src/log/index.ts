import type { LogLevel } from '../config/index.js';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** How many causes of an error are written: a chain this long is a loop or a bug of its own. */
const MAX_CAUSES = 8;

function serialise(value: unknown, causes = 0): unknown {
  if (!(value instanceof Error)) return value;
  const { cause } = value as { cause?: unknown };
  return {
    name: value.name,
    message: value.message,
    code: (value as { code?: unknown }).code,
    stack: value.stack,
    ...(cause !== undefined && causes < MAX_CAUSES ? { cause: serialise(cause, causes + 1) } : {}),
  };
}

/** Structured JSON lines on standard error (standard output stays free for CLI results). */
export function createLogger(level: LogLevel = 'info', base: Fields = {}, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Fields) => {
    if (order[lvl] < order[level]) return;
    const entry: Fields = { time: new Date().toISOString(), level: lvl, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = serialise(v);
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger('error', {}, () => {});
