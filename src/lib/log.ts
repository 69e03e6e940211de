import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured logs to stderr (stdout stays for command output), one JSON object per line. */
export function createLogger(level: string = process.env.RICOCHET_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { name: 'ricochet' } }, pino.destination(2));
}

/** A logger that drops everything (tests, offline commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
