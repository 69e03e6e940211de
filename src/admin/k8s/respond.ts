/**
 * Turning outcomes into responses: Status bodies for every failure (kubectl reads nothing else,
 * spec/kubectl-1.20.md §9), `Warning: 299 - "…"` headers (what `kubectl` prints as `Warning:`).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StoreGoneError } from '../../store/types';
import { ApiError, expired, failure, internalError, requestTooLarge, type KubeStatus } from './status';

/** At most this many warnings per response, each at most this long: headers stay small. */
const MAX_WARNINGS = 20;
const MAX_WARNING_LENGTH = 512;

/** RFC 7234 warn-text: printable ASCII, quotes and backslashes escaped. */
export function warningHeader(text: string): string {
  let clean = text.replace(/[^\x20-\x7e]/g, '?');
  if (clean.length > MAX_WARNING_LENGTH) clean = `${clean.slice(0, MAX_WARNING_LENGTH - 3)}...`;
  return `299 - "${clean.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function addWarnings(reply: FastifyReply, warnings: readonly string[]): void {
  const unique = [...new Set(warnings)];
  if (unique.length === 0) return;
  const shown = unique.slice(0, MAX_WARNINGS);
  if (unique.length > shown.length) shown.push(`${unique.length - shown.length} more warnings not shown`);
  reply.header('Warning', shown.map(warningHeader));
}

export function sendStatus(reply: FastifyReply, status: KubeStatus): FastifyReply {
  return reply.code(status.code).type('application/json').send(status);
}

/** Any thrown error → a Status; unexpected ones are logged and answered 500 with their message. */
export function sendError(reply: FastifyReply, err: unknown, log?: FastifyRequest['log']): FastifyReply {
  if (err instanceof ApiError) {
    addWarnings(reply, err.warnings);
    return sendStatus(reply, err.status);
  }
  if (err instanceof StoreGoneError) return sendStatus(reply, expired(err.message));
  log?.error({ err }, 'admin API: unexpected error');
  return sendStatus(reply, internalError((err as Error)?.message ?? String(err)).status);
}

/** Errors fastify raises before a handler runs (body too large, bad content length, …) as Status. */
export function frameworkError(err: FastifyError, reply: FastifyReply, bodyLimit: number): FastifyReply {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) return sendStatus(reply, requestTooLarge(bodyLimit));
  const code = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : undefined;
  if (code !== undefined) return sendStatus(reply, failure(code, code === 415 ? 'UnsupportedMediaType' : 'BadRequest', err.message));
  return sendError(reply, err);
}
