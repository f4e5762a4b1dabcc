/**
 * Logger interface, compatible with pino's call shapes (`logger.info(obj, msg)` / `logger.info(msg)`).
 * The library is quiet by default: pass a logger (pino, or `consoleLogger`) to hear from it.
 */
export interface Logger {
  /** Logs at debug level: an object of fields and a message, or a message alone (pino-style). */
  debug(objOrMsg: unknown, msg?: string): void;
  /** Logs at info level: an object of fields and a message, or a message alone. */
  info(objOrMsg: unknown, msg?: string): void;
  /** Logs at warn level: an object of fields and a message, or a message alone. */
  warn(objOrMsg: unknown, msg?: string): void;
  /** Logs at error level: an object of fields and a message, or a message alone. */
  error(objOrMsg: unknown, msg?: string): void;
}

const noop = (): void => {};

/** A Logger that drops everything (the default). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Minimum level a console logger writes; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function format(objOrMsg: unknown, msg?: string): string {
  if (typeof objOrMsg === 'string') return objOrMsg;
  if (objOrMsg instanceof Error) return `${msg ?? ''} ${objOrMsg.message}`.trim();
  let detail = '';
  try {
    detail = JSON.stringify(objOrMsg, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    detail = String(objOrMsg);
  }
  return msg ? `${msg} ${detail}` : detail;
}

/** A plain logger writing one line per event to stderr, for the CLI and examples. */
export function consoleLogger(level: LogLevel = 'info', name?: string): Logger {
  const threshold = LEVELS[level];
  const make =
    (lvl: Exclude<LogLevel, 'silent'>) =>
    (objOrMsg: unknown, msg?: string): void => {
      if (LEVELS[lvl] < threshold) return;
      const prefix = `${new Date().toISOString()} ${lvl.toUpperCase()}${name ? ` [${name}]` : ''}`;
      process.stderr.write(`${prefix} ${format(objOrMsg, msg)}\n`);
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
