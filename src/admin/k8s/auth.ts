/**
 * Bearer-token authentication for the admin API (issue 5 "Safety"). On loopback, with no token
 * configured, nothing is checked (the default `127.0.0.1:18001`). Bound anywhere else, `serve`
 * refuses to start without `--admin-token-file`; with a token, EVERY request (objects, discovery,
 * /debug, /healthz) must carry `Authorization: Bearer <token>`, compared in constant time, or it
 * is answered 401 with a Status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { unauthorized } from './status';

/** Whether a listen host only accepts local connections. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** Reads a token file: the first line, trimmed; an empty or unreadable file is an error with the reason. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--admin-token-file ${file}: cannot read it (${(err as Error).message})`);
  }
  const token = text.split(/\r?\n/)[0].trim();
  if (token === '') throw new Error(`--admin-token-file ${file}: the file is empty; put the bearer token on its first line`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error(`--admin-token-file ${file}: the token must be printable ASCII without spaces`);
  return token;
}

/**
 * Why the admin API may not listen on `host` as configured, or undefined: off loopback it needs
 * a token (anyone who can reach it could otherwise change the mesh's configuration).
 */
export function listenProblem(host: string, token: string | undefined): string | undefined {
  if (token !== undefined || isLoopbackHost(host)) return undefined;
  return `the admin API would listen on ${host}, which is not loopback, without authentication: anyone who can reach it could change the configuration. Pass --admin-token-file FILE (clients then send "Authorization: Bearer <token>"), or listen on 127.0.0.1`;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

/** Adds the check to every route of `app` (registered before or after: fastify applies root hooks to all). */
export function registerAdminAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const ok = match !== null && tokenMatches(token, match[1]);
    if (ok) return;
    const status = unauthorized(match ? 'Unauthorized: the bearer token is not valid' : 'Unauthorized: send "Authorization: Bearer <token>" (the token in the server\'s --admin-token-file)');
    reply.code(401).header('WWW-Authenticate', 'Bearer realm="ricochet"').type('application/json').send(status);
    return reply;
  });
}
