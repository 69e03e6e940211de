/**
 * The contract of `ricochet load` (issue 6): fortio-style load whose results print as the table the
 * seed walkthroughs teach users to read (`Code 200 : 89 (89.0 %)`, the average, the percentiles).
 * `runLoad` (runner.ts) produces a LoadResult; `formatReport` (report.ts) prints it as fortio does;
 * the CLI (src/cli/load.ts) and `ricochet demo` (src/demo/) both use these two.
 */

/** Where the requests go and what they carry. */
export interface LoadTarget {
  /** `http://host[:port]/path?query`; its authority is sent as the Host header. */
  url: string;
  /**
   * Connect here instead of the URL's host (e.g. a sidecar's egress listener 127.0.0.1:15001, or a
   * gateway listener), still sending the URL's path and authority: what a client whose traffic a
   * sidecar intercepts sends. Undefined: connect to the URL's host.
   */
  proxy?: { host: string; port: number };
  /** Extra request headers (`-H 'name: value'`); a `Host` here replaces the URL's authority. */
  headers?: Array<[string, string]>;
  /** GET by default. */
  method?: string;
}

/** How much load, fortio's flags and defaults (`fortio load -h`). */
export interface LoadShape {
  /** `-c`: connections, each sending its calls one after another over keep-alive. fortio default 4. */
  connections: number;
  /** `-n`: exactly this many calls in total, split across connections as fortio does; 0 = use `durationMs`. */
  calls: number;
  /** `-t`: run time when `calls` is 0 (fortio default 5s); 0 with `calls` 0 = until `signal` aborts. */
  durationMs: number;
  /** `-qps`: total target rate, shared by the connections; 0 = as fast as possible. fortio default 8. */
  qps: number;
  /** `-timeout`: per call (connect + response), fortio default 3s. A call that times out counts as code -1. */
  timeoutMs: number;
  /** `-p`: percentiles to report, fortio default [50, 75, 90, 99, 99.9]. */
  percentiles: number[];
}

export const FORTIO_DEFAULTS: LoadShape = {
  connections: 4,
  calls: 0,
  durationMs: 5000,
  qps: 8,
  timeoutMs: 3000,
  percentiles: [50, 75, 90, 99, 99.9],
};

/** Progress during a run, for a progress line (the CLI prints one on long runs). */
export interface LoadProgress {
  elapsedMs: number;
  done: number;
  /** `calls` when known, else undefined. */
  total: number | undefined;
  /** Codes so far (-1 = socket error / timeout). */
  codes: ReadonlyMap<number, number>;
}

export interface LoadOptions extends LoadTarget, LoadShape {
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** How often onProgress is called, default 1000 ms. */
  progressEveryMs?: number;
}

/** fortio's histogram summary of a set of durations, in milliseconds. */
export interface DurationSummary {
  count: number;
  avgMs: number;
  stddevMs: number;
  minMs: number;
  maxMs: number;
  sumMs: number;
  /** One entry per requested percentile, in the order asked. */
  percentiles: Array<{ percentile: number; ms: number }>;
}

export interface LoadResult {
  url: string;
  /** `host:port` actually connected to (the proxy, or the URL's host). */
  connectedTo: string;
  shape: LoadShape;
  startedAt: string;
  /** Wall time of the run. */
  durationMs: number;
  calls: number;
  /** calls / seconds. */
  actualQps: number;
  /** Every status seen, ascending; -1 collects socket errors and timeouts, as fortio's `Code -1`. */
  codes: Array<{ code: number; count: number; percent: number }>;
  /** All calls (fortio's "Aggregated Function Time"). */
  latency: DurationSummary;
  /** Calls that did not get a 2xx (fortio's "Error cases"). */
  errors: DurationSummary;
  /** Connections opened (fortio: "Sockets used: N (for perfect keepalive, would be C)"). */
  socketsUsed: number;
  /** Why each -1 happened, counted by message (e.g. `ECONNREFUSED`, `timeout after 3000ms`). */
  socketErrors: Array<{ message: string; count: number }>;
  /** True when `signal` stopped the run early. */
  interrupted: boolean;
}
