/**
 * Minimal HTTP client for tests, over node:http so there is nothing between the test and the
 * socket: no client-side retries, no redirects, no connection magic that could hide what the
 * proxy did. Connection resets surface as errors (get) or as code -1 (load, as fortio counts them).
 */
import * as http from 'node:http';

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Send via an HTTP proxy (e.g. Envoy's egress listener, `http://127.0.0.1:15001`), absolute-form URI. */
  proxy?: string;
  body?: string;
  /** Whole-request timeout, default 10s. */
  timeoutMs?: number;
  agent?: http.Agent;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Shared keep-alive agent: tests talk to long-lived proxies, as real clients do. Free sockets are unref'd by node. */
export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const via = opts.proxy ? new URL(opts.proxy) : target;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: via.hostname.replace(/^\[|\]$/g, ''),
        port: via.port || 80,
        method: opts.method ?? 'GET',
        // Through a proxy the request target is the absolute URL (HTTP_PROXY style); Host still comes from it.
        path: opts.proxy ? target.href : target.pathname + target.search,
        headers: opts.proxy && !hasHeader(headers, 'host') ? { host: target.host, ...headers } : headers,
        agent: opts.agent ?? keepAliveAgent,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${opts.timeoutMs ?? 10_000}ms: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function get(url: string, opts: Omit<RequestOptions, 'method' | 'body'> = {}): Promise<HttpResponse> {
  return request(url, opts);
}

export interface LoadOptions {
  url: string;
  /** Total requests. */
  n: number;
  /** Requests in flight at once (one keep-alive connection each), default 8. */
  concurrency?: number;
  headers?: Record<string, string>;
  proxy?: string;
  method?: string;
  timeoutMs?: number;
}

/** fortio-style result: count per status code (-1 = socket error), latencies in ms. */
export interface LoadResult {
  codes: Map<number, number>;
  n: number;
  avgMs: number;
  p50: number;
  p99: number;
  durationMs: number;
  /** Distinct socket error messages seen, for test failure messages. */
  errors: string[];
}

/** Sends `n` requests with `concurrency` workers and tallies the status codes, like `fortio load -n`. */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, opts.n));
  // A private agent so this run's connections are neither shared with nor left to other tests.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const codes = new Map<number, number>();
  const latencies: number[] = [];
  const errors = new Set<string>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opts.n) {
      next++;
      const t0 = performance.now();
      let code: number;
      try {
        code = (await request(opts.url, { method: opts.method, headers: opts.headers, proxy: opts.proxy, timeoutMs: opts.timeoutMs, agent })).status;
      } catch (err) {
        code = -1;
        errors.add(err instanceof Error ? err.message : String(err));
      }
      latencies.push(performance.now() - t0);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  return {
    codes,
    n: latencies.length,
    avgMs: latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    durationMs: performance.now() - started,
    errors: [...errors],
  };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}
