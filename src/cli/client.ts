/**
 * The CLI's HTTP client for Ricochet's admin API (`ricochet serve --admin-address`, default
 * 127.0.0.1:18001). Plain node:http(s): the commands that use it must start fast, and there is
 * nothing here a library would add (no retries: a CLI reports what the server said).
 */
import * as fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Codes, RicochetError } from '../lib/errors';
import { CliError } from './cliError';

export const DEFAULT_SERVER = 'http://127.0.0.1:18001';

/** The global flags every client command shares. */
export interface GlobalOptions {
  server?: string;
  tokenFile?: string;
}

/** A Kubernetes `Status` as the admin API sends errors (spec/kubectl-1.20.md §9). */
export interface KubeStatus {
  kind: 'Status';
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

export interface AdminResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RequestOptions {
  body?: string;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
}

/** The server answered with an error status. `status` is the decoded Status body when there is one. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly body: string, readonly statusObject: KubeStatus | undefined, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isKubeStatus(v: unknown): v is KubeStatus {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}

/** `host:port` or a URL → a URL; refuses anything else with a message that shows the accepted forms. */
export function serverUrl(text: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new RicochetError(Codes.InvalidFlag, `--server ${text}: write a URL such as ${DEFAULT_SERVER} (or host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RicochetError(Codes.InvalidFlag, `--server ${text}: only http:// and https:// are supported`);
  }
  return url;
}

export class AdminClient {
  readonly server: URL;
  private readonly token: string | undefined;

  constructor(server: string, token?: string) {
    this.server = serverUrl(server);
    this.token = token;
  }

  /** From the global flags: `--server`, else RICOCHET_SERVER, else the default; `--token-file` for a bearer token. */
  static fromOptions(opts: GlobalOptions): AdminClient {
    const server = opts.server ?? process.env.RICOCHET_SERVER ?? DEFAULT_SERVER;
    return new AdminClient(server, opts.tokenFile === undefined ? undefined : readToken(opts.tokenFile));
  }

  /** Where the admin API is, for messages (`http://127.0.0.1:18001`). */
  get address(): string {
    return this.server.origin;
  }

  /** One request; resolves for every HTTP status, rejects only when the server cannot be reached. */
  async request(method: string, pathAndQuery: string, opts: RequestOptions = {}): Promise<AdminResponse> {
    const url = new URL(pathAndQuery, this.server);
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    // Loaded per request: `ricochet version` without a server never pays for it.
    const transport = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise<AdminResponse>((resolve, reject) => {
      const req = transport.request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)}s`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.unreachable(err)));
      req.end(opts.body);
    });
  }

  /** GET and decode JSON; an error status becomes an ApiError with the server's message. */
  async getJson<T>(pathAndQuery: string, accept?: string): Promise<T> {
    const res = await this.request('GET', pathAndQuery, { accept });
    return decodeJson<T>(res, `GET ${pathAndQuery}`);
  }

  private unreachable(err: NodeJS.ErrnoException): CliError {
    const why = err.code ?? err.message;
    return new CliError(`cannot reach the Ricochet admin API at ${this.address} (${why}); is \`ricochet serve\` running there? Set --server or RICOCHET_SERVER`);
  }
}

/** The body as JSON when the status is 2xx; otherwise an ApiError carrying the server's Status. */
export function decodeJson<T>(res: AdminResponse, what: string): T {
  const parsed = parseJson(res.text);
  if (res.status >= 200 && res.status < 300) {
    if (parsed === undefined) throw new ApiError(res.status, res.text, undefined, `${what}: the server answered ${res.status} with a body that is not JSON`);
    return parsed as T;
  }
  throw apiError(res, parsed);
}

export function apiError(res: AdminResponse, parsed: unknown = parseJson(res.text)): ApiError {
  const status = isKubeStatus(parsed) ? parsed : undefined;
  const message = status?.message ?? plainMessage(parsed) ?? (res.text.trim() || `HTTP ${res.status}`);
  return new ApiError(res.status, res.text, status, message);
}

/** Our older debug endpoints answer `{error: "..."}`. */
function plainMessage(parsed: unknown): string | undefined {
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') return (parsed as { error: string }).error;
  return undefined;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** kubectl's way of printing a server error: `Error from server (NotFound): <message>`. */
export function formatServerError(err: ApiError, context?: string): string {
  const reason = err.statusObject?.reason;
  const prefix = reason ? `Error from server (${reason})` : 'Error from server';
  return `${prefix}: ${context ? `${context}: ` : ''}${err.message}`;
}

function readToken(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--token-file ${file}: cannot read it (${(err as Error).message})`);
  }
  // The first line, as `serve --admin-token-file` reads its file, so one file serves both.
  const token = text.split(/\r?\n/)[0].trim();
  if (token === '') throw new RicochetError(Codes.InvalidFlag, `--token-file ${file}: the file is empty; put the bearer token on its first line`);
  return token;
}
