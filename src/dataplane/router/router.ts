/**
 * The router filter: runs the attempts of one request against one cluster, asks the retry engine
 * what to do with each outcome, and keeps Envoy's timers and counters (envoy-retry.md §0–§6):
 *
 * - the route (global) timeout runs from the end of the downstream request over every attempt and
 *   backoff; on expiry the attempt in flight is reset (`upstream_rq_timeout`) and the client gets
 *   504 `upstream request timeout` (UT);
 * - per-try and per-try-idle timers start at max(request complete, stream obtained); on expiry the
 *   attempt is reset and the outcome is a `local reset` for the retry decision, else 504 (UT);
 * - the body is forwarded as it arrives and kept for replay while a retry is possible, up to the
 *   buffer limit: past it, `retry_or_shadow_abandoned` and no more retries (507 if caught in a
 *   backoff, §5.1);
 * - retries go through host selection again (previous_hosts predicate with
 *   host_selection_retry_max_attempts), carry x-envoy-attempt-count / x-envoy-is-timeout-retry /
 *   x-envoy-expected-rq-timeout-ms as configured;
 * - the final answer is the last upstream response verbatim (plus x-envoy-upstream-service-time
 *   and x-envoy-attempt-count when asked) or the engine's local reply (§2.4), with cluster stats
 *   `upstream_rq_<code>` / `<N>xx` / `completed` for it and `retry.upstream_rq_*` for responses
 *   that were retried;
 * - hedging (§7.2, `hedge_on_per_try_timeout` or the internal x-envoy-hedge-on-per-try-timeout):
 *   a per-try timeout does not reset the attempt, it schedules another one; the first response
 *   that is not retriable wins and the others are reset. Needs the engine's hedging decisions
 *   (HedgingRetryState); without them a per-try timeout resets as usual.
 */
import { performance } from 'node:perf_hooks';
import type { DpRouteAction, DpVirtualHost } from '../config/model';
import type { HttpStream } from '../http/stream';
import type { CompiledRoute } from '../http/routeTable';
import type { EffectiveTimeouts, HeaderMap, LocalReply, ResetReason, RetryDecision, RetryState } from '../retry/api';
import type { Cluster } from '../upstream/cluster';
import type { Host } from '../upstream/host';
import type { RequestHead } from '../upstream/types';
import { retryEngine, type HedgingRetryState, type RetryEngine } from './engine';
import { F, flagBit } from './flags';
import { UpstreamRequest, type AttemptOwner } from './upstreamRequest';
import { ROUTER_CONSUMED } from '../http/headers';
import { atoiUnsigned } from '../retry/numbers';
import type { ScopedStats } from './scopedStats';
import { retryHostRejecter } from './hostPredicates';
import { isGrpcRequest, reportConnected, reportReset, reportResponse, reportTimeout } from './outlierReport';
import { computeRequestHash } from './hashPolicy';
import type { JsonObject } from '../../lib/protos/protoJson';

const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const OMIT_HOST_METADATA = 'envoy.retry_host_predicates.omit_host_metadata';

export class Router implements AttemptOwner {
  downstreamComplete = false;
  maxStreamDurationMs = 0;
  private readonly engine: RetryEngine;
  private readonly action: DpRouteAction;
  private readonly vhost: DpVirtualHost;
  private retryState: RetryState | undefined;
  private timeouts!: EffectiveTimeouts;
  /** Attempts in flight: one, or several while hedging. The last one gets the request body. */
  private attempts: UpstreamRequest[] = [];
  /** Retries scheduled and not launched yet (Envoy's pending_retries_). */
  private pendingRetries = 0;
  private hedging = false;
  private attemptCount = 1;
  private isRetry = false;
  private nextIsTimeoutRetry = false;
  private isTimeoutRetry = false;
  /** Sticky: request headers were handed to a codec by some attempt (§1.4 reset-before-request). */
  private requestStarted = false;
  private downstreamCompleteAt = 0;
  private buffered: Buffer[] | undefined;
  private bufferedBytes = 0;
  private routeTimer: NodeJS.Timeout | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffImmediate: NodeJS.Immediate | undefined;
  private done = false;
  private readPaused = false;
  private responseStarted = false;
  private attemptedHosts: Host[] | undefined;
  /** omit_host_metadata label sets of the request's retry policy. */
  private omitHostMetadata: readonly JsonObject[] | undefined;
  private hostSelectionAttempts = 1;
  /** The request is gRPC: the outlier detector sees grpc-status mapped to HTTP (§ outlierReport). */
  private grpcRequest = false;
  /** Hash-based clusters: the request's hash (hash_policy) and the affinity cookies to set. */
  private requestHash: bigint | undefined;
  private setCookies: string[] = [];
  private path: string;
  private authority: string;
  /** 504, or 204 with x-envoy-upstream-rq-timeout-alt-response. */
  private timeoutCode = 504;
  /** Flags decided along the way (URX / UO) for the final local reply. */
  private extraFlags: string[] = [];

  /** Virtual cluster and route stat scopes of this request (§6.2). */
  private readonly scopes: ScopedStats[];

  constructor(private readonly stream: HttpStream, private readonly route: CompiledRoute, private readonly cluster: Cluster) {
    this.engine = retryEngine();
    this.scopes = [];
    if (stream.vcluster) this.scopes.push(stream.vcluster);
    if (route.routeStats) this.scopes.push(route.routeStats);
    this.action = route.action!;
    this.vhost = route.vhost.config;
    this.path = stream.path;
    this.authority = stream.authority;
  }

  start(): void {
    // Dynamic forward proxy: like Envoy's DFP filter, hold the request until the Host/:authority
    // name is in the DNS cache (the route timeout starts later, as it does after that filter).
    const waiting = this.cluster.resolveAuthority(this.action.hostRewriteLiteral ?? this.stream.authority);
    if (!waiting) {
      this.begin();
      return;
    }
    let abandoned = false;
    this.stream.onDownstreamReset = () => {
      abandoned = true;
    };
    void waiting.then(() => {
      if (abandoned) return;
      this.stream.onDownstreamReset = undefined;
      this.begin();
    });
  }

  private begin(): void {
    const { stream, action, engine } = this;
    const headers = stream.headers;
    const policy = action.retryPolicy;
    // Internal requests may ask for an empty 204 instead of the 504 on timeouts (§2.3).
    this.timeoutCode = stream.internal && headers['x-envoy-upstream-rq-timeout-alt-response'] !== undefined ? 204 : 504;
    if (stream.internal) {
      const d = headers['x-envoy-upstream-stream-duration-ms'];
      const v = d !== undefined ? atoiUnsigned(Array.isArray(d) ? d[0] : d, 64) : undefined;
      if (v !== undefined) this.maxStreamDurationMs = Number(v);
    }
    const hedgeHeader = stream.internal && headers['x-envoy-hedge-on-per-try-timeout'] === 'true';
    this.grpcRequest = isGrpcRequest(headers);
    this.timeouts = engine.effectiveTimeouts(action.timeoutMs, policy, headers, stream.internal);
    this.retryState = engine.createRetryState({
      policy,
      requestHeaders: headers,
      internal: stream.internal,
      stats: this.route.retryStats(this.cluster, stream.vcluster),
      circuit: this.cluster.retryCircuit,
      pseudoHeaders: { ':method': stream.method, ':path': stream.path, ':authority': stream.authority, ':scheme': stream.scheme },
    });
    for (const name of ROUTER_CONSUMED) if (name in headers) delete headers[name];
    const rs = this.retryState;
    if (rs) {
      if (rs.hostPredicates.includes(PREVIOUS_HOSTS)) this.attemptedHosts = [];
      if (rs.hostPredicates.includes(OMIT_HOST_METADATA)) this.omitHostMetadata = policy?.omitHostMetadata;
      this.hostSelectionAttempts = rs.hostSelectionRetryMaxAttempts + 1;
      const hedgeOn = (action as DpRouteAction & { hedgeOnPerTryTimeout?: boolean }).hedgeOnPerTryTimeout === true || hedgeHeader;
      this.hedging = hedgeOn && typeof (rs as Partial<HedgingRetryState>).onHedgedPerTryTimeout === 'function';
    }

    // The hash is taken before any rewrite, when Envoy's router picks the host.
    if (this.cluster.hashBased && action.hashPolicies) {
      const r = computeRequestHash(action.hashPolicies, {
        headers,
        path: this.path,
        downstreamRemoteIp: stream.downstreamRemoteIp,
        downstreamRemoteAddress: stream.downstreamRemoteAddress,
        downstreamLocalAddress: stream.downstreamLocalAddress,
      });
      this.requestHash = r.hash;
      this.setCookies = r.setCookies;
    }

    // Path and host rewrites (once per request).
    if (action.prefixRewrite !== undefined && this.route.config.match.prefix !== undefined) {
      const q = this.path.search(/[?#]/);
      const p = q < 0 ? this.path : this.path.slice(0, q);
      const prefix = this.route.config.match.prefix;
      if (p.length >= prefix.length) {
        headers['x-envoy-original-path'] = this.path;
        this.path = action.prefixRewrite + this.path.slice(prefix.length);
        stream.path = this.path;
      }
    }
    if (action.hostRewriteLiteral !== undefined) this.authority = action.hostRewriteLiteral;

    this.downstreamComplete = stream.bodyComplete;
    if (rs && !this.downstreamComplete) this.buffered = [];
    stream.onDownstreamReset = () => this.onDownstreamReset();

    this.startAttempt();
    if (this.done) return;
    stream.setBodyConsumer(
      (chunk) => this.onBodyData(chunk),
      () => this.onBodyEnd(),
    );
    if (this.downstreamComplete && !this.done) this.onRequestComplete();
  }

  // ---- downstream body

  private onBodyData(chunk: Buffer): void {
    if (this.done) return;
    if (this.buffered) {
      if (this.bufferedBytes + chunk.length > this.route.bufferLimitBytes) {
        this.cluster.stats.retry_or_shadow_abandoned.inc();
        this.dropRetryState();
        this.buffered = undefined;
        if (this.attempts.length === 0) {
          // Caught in a backoff: nothing can carry the body any more.
          this.clearBackoff();
          this.sendLocal(this.engine.localReplyBufferOverflow(), 'request_payload_exceeded_retry_buffer_limit');
          return;
        }
      } else {
        this.buffered.push(chunk);
        this.bufferedBytes += chunk.length;
      }
    }
    const u = this.current();
    if (u && !u.sendData(chunk) && !this.readPaused) {
      // Flow control: stop reading the client until this attempt can take more.
      this.readPaused = true;
      this.stream.pauseBody();
      u.onceWritable(() => this.resumeReading());
    }
  }

  private resumeReading(): void {
    if (!this.readPaused) return;
    this.readPaused = false;
    this.stream.resumeBody();
  }

  private onBodyEnd(): void {
    if (this.done || this.downstreamComplete) return;
    this.downstreamComplete = true;
    this.current()?.endStream();
    this.onRequestComplete();
  }

  private onRequestComplete(): void {
    this.downstreamCompleteAt = performance.now();
    const global = this.timeouts.routeTimeoutMs;
    if (global > 0) this.routeTimer = setTimeout(() => this.onRouteTimeout(), global);
    for (const u of this.attempts) if (u.stream) u.setupPerTryTimeout(this.timeouts.perTryTimeoutMs, this.timeouts.perTryIdleTimeoutMs);
  }

  /** The most recent attempt (the one the body streams to). */
  private current(): UpstreamRequest | undefined {
    return this.attempts.length > 0 ? this.attempts[this.attempts.length - 1] : undefined;
  }

  private remove(attempt: UpstreamRequest): boolean {
    const i = this.attempts.indexOf(attempt);
    if (i < 0) return false;
    this.attempts.splice(i, 1);
    return true;
  }

  /** Envoy's numRequestsAwaitingHeaders() > 0 || pending_retries_ > 0: someone else may still answer. */
  private othersMayAnswer(): boolean {
    return this.pendingRetries > 0 || this.attempts.some((a) => a.awaitingHeaders);
  }

  // ---- attempts

  private startAttempt(): void {
    const reject = this.isRetry ? retryHostRejecter(this.attemptedHosts, this.omitHostMetadata) : undefined;
    const host = this.cluster.chooseHost(reject, this.hostSelectionAttempts, this.authority, this.requestHash);
    if (!host) {
      this.cluster.stats.upstream_cx_none_healthy.inc();
      this.charge(503);
      this.sendLocal(this.engine.localReplyNoHealthyUpstream(), 'no_healthy_upstream', this.isRetry);
      return;
    }
    this.attemptedHosts?.push(host);
    const stream = this.stream;
    stream.attemptCount = this.attemptCount;
    stream.upstreamHost = host.addressString;
    const attempt = new UpstreamRequest(this, host, this.buildHead(host), this.buffered ? this.buffered.slice() : [], this.route.bufferLimitBytes);
    this.attempts.push(attempt);
    this.resumeReading();
    attempt.start();
  }

  private buildHead(host: Host): RequestHead {
    const headers: Record<string, string | string[]> = Object.assign({}, this.stream.headers);
    const vh = this.vhost;
    if (vh.includeRequestAttemptCount) headers['x-envoy-attempt-count'] = String(this.attemptCount);
    if (this.isRetry && vh.includeIsTimeoutRetryHeader) headers['x-envoy-is-timeout-retry'] = this.isTimeoutRetry ? 'true' : 'false';
    const expected = this.expectedTimeout();
    if (expected !== undefined) headers['x-envoy-expected-rq-timeout-ms'] = String(expected);
    let authority = this.authority;
    if (this.action.autoHostRewrite && host.hostname !== host.address) authority = host.hostname;
    return { method: this.stream.method, path: this.path, authority, scheme: 'http', headers };
  }

  /** Envoy's FilterUtility::setTimeoutHeaders, elapsed time counted from the end of the request. */
  private expectedTimeout(): number | undefined {
    const elapsed = this.downstreamCompleteAt > 0 ? performance.now() - this.downstreamCompleteAt : 0;
    // With hedging the upstream may use the whole global timeout.
    const t = this.hedging ? { routeTimeoutMs: this.timeouts.routeTimeoutMs } : this.timeouts;
    return this.engine.expectedTimeoutMs(t, elapsed);
  }

  onAttemptStreamReady(attempt: UpstreamRequest): void {
    if (!this.attempts.includes(attempt)) return;
    reportConnected(attempt.host);
    this.requestStarted = true;
    for (const sc of this.scopes) sc.upstream_rq_total.inc();
    const s = attempt.stream!;
    if (this.stream.config.accessLoggers.length > 0) this.stream.upstreamLocalAddress = s.localAddress();
    if (this.downstreamComplete) attempt.setupPerTryTimeout(this.timeouts.perTryTimeoutMs, this.timeouts.perTryIdleTimeoutMs);
  }

  onAttemptHeaders(attempt: UpstreamRequest, status: number, headers: HeaderMap, raw: string[], endStream: boolean): void {
    if (this.done || !this.attempts.includes(attempt)) return;
    reportResponse(attempt.host, status, headers, this.grpcRequest);
    const rs = this.retryState;
    let couldNotRetry = false;
    if (rs) {
      if (attempt.hedged) {
        // Already retried (hedged): never retried again; would it have been? (Filter::onUpstreamHeaders)
        couldNotRetry = (rs as HedgingRetryState).wouldRetryResponse(status, headers);
      } else {
        const d = rs.onResponseHeaders(status, headers);
        if (d.retry) {
          this.cluster.stats.chargeRetryResponse(status);
          if (endStream && attempt.encodeComplete) attempt.detach();
          else attempt.reset();
          this.remove(attempt);
          this.scheduleRetry(d, false);
          return;
        }
        if (d.reason === 'limit-exceeded') {
          this.stream.flags |= F.URX;
          couldNotRetry = true;
        } else if (d.reason === 'overflow') {
          this.stream.flags |= F.UO;
          couldNotRetry = true;
        }
      }
    }
    if (couldNotRetry) {
      this.remove(attempt);
      if (this.othersMayAnswer()) {
        // A bad answer while other attempts may still give a good one: drop this one.
        attempt.reset();
        return;
      }
      this.attempts.push(attempt);
    }
    rs?.onFinalResponse(status, headers);
    this.dropRetryState();
    this.buffered = undefined;
    this.responseStarted = true;
    attempt.responseForwarded();
    this.resetOthers(attempt);
    const extra: string[] = [];
    if (this.downstreamComplete) extra.push('x-envoy-upstream-service-time', String(Math.floor(performance.now() - this.downstreamCompleteAt)));
    if (this.vhost.includeAttemptCountInResponse) extra.push('x-envoy-attempt-count', String(this.attemptCount));
    // Routing cookies go on upstream responses only (Filter::onUpstreamHeaders).
    for (const c of this.setCookies) extra.push('set-cookie', c);
    this.charge(status);
    this.stream.upstreamHost = attempt.host.addressString;
    this.stream.encodeHeaders(status, raw, headers, extra);
  }

  /** The winner takes the response: every other attempt is reset, pending retries are cancelled. */
  private resetOthers(winner: UpstreamRequest): void {
    for (const a of this.attempts) if (a !== winner) a.reset();
    this.attempts = [winner];
    this.clearBackoff();
  }

  onAttemptData(attempt: UpstreamRequest, chunk: Buffer): void {
    if (this.done || !this.responseStarted || !this.attempts.includes(attempt)) return;
    if (!this.stream.encodeData(chunk)) {
      attempt.pause();
      this.stream.onceDrain(() => attempt.resume());
    }
  }

  onAttemptEnd(attempt: UpstreamRequest): void {
    if (this.done || !this.responseStarted || !this.remove(attempt)) return;
    // Envoy's onUpstreamComplete: an upstream that answered before the request ended is reset.
    if (!this.downstreamComplete) attempt.reset();
    this.cleanup();
    this.stream.encodeEnd();
  }

  onAttemptReset(attempt: UpstreamRequest, reason: ResetReason, detail: string): void {
    if (this.done || !this.remove(attempt)) return;
    reportReset(attempt.host, reason);
    if (detail) this.stream.transportFailureReason = detail;
    if (this.responseStarted) {
      this.stream.flags |= flagBit(this.engine.responseFlagForReset(reason));
      this.cleanup();
      this.stream.resetDownstream();
      return;
    }
    if (!attempt.hedged && this.maybeRetryReset(reason, false)) return;
    this.charge(reason === 'protocol error' ? 502 : 503);
    // Other attempts in flight (hedging) or a retry on its way may still answer.
    if (this.othersMayAnswer()) return;
    const reply = this.engine.localReplyForReset(reason, this.isRetry, this.extraFlags, detail || undefined);
    if (reason === 'overflow' && reply.headers['x-envoy-overloaded'] === undefined) reply.headers['x-envoy-overloaded'] = 'true';
    this.sendLocal(reply, reason === 'overflow' ? 'overflow' : 'upstream_reset_before_response_started');
  }

  onAttemptPerTryTimeout(attempt: UpstreamRequest, idle: boolean): void {
    if (this.done || !this.attempts.includes(attempt)) return;
    // With hedging both the per-try and the per-try idle timeout are "soft" (onPerTryTimeoutCommon).
    if (this.hedging) {
      this.onSoftPerTryTimeout(attempt);
      return;
    }
    const s = this.cluster.stats;
    (idle ? s.upstream_rq_per_try_idle_timeout : s.upstream_rq_per_try_timeout).inc();
    attempt.reset();
    this.remove(attempt);
    reportTimeout(attempt.host, this.timeoutCode);
    attempt.outlierTimeoutRecorded = true;
    if (this.responseStarted) {
      this.stream.flags |= F.UT;
      this.cleanup();
      this.stream.resetDownstream();
      return;
    }
    if (!attempt.hedged && this.maybeRetryReset('local reset', true)) return;
    this.charge(this.timeoutCode);
    if (this.othersMayAnswer()) return;
    this.sendLocal(this.engine.localReplyForTimeout(this.extraFlags, this.timeoutCode === 204), idle ? 'upstream_per_try_idle_timeout' : 'upstream_per_try_timeout');
  }

  /** Hedging: the slow attempt keeps running and another one is scheduled (Filter::onSoftPerTryTimeout). */
  private onSoftPerTryTimeout(attempt: UpstreamRequest): void {
    // Counted as a timeout for the host even though the attempt may still answer well.
    if (!attempt.outlierTimeoutRecorded) {
      reportTimeout(attempt.host, this.timeoutCode);
      attempt.outlierTimeoutRecorded = true;
    }
    const rs = this.retryState as HedgingRetryState | undefined;
    if (this.responseStarted || !rs || attempt.hedged) return;
    const d = rs.onHedgedPerTryTimeout();
    if (d.retry) {
      attempt.hedged = true;
      this.scheduleRetry(d, true);
    } else if (d.reason === 'overflow') {
      this.stream.flags |= F.UO;
      this.extraFlags.push('UO');
    } else if (d.reason === 'limit-exceeded') {
      this.stream.flags |= F.URX;
      this.extraFlags.push('URX');
    }
  }

  /** x-envoy-upstream-stream-duration-ms reached (Filter::onStreamMaxDurationReached). */
  onAttemptMaxDuration(attempt: UpstreamRequest): void {
    if (this.done || !this.remove(attempt)) return;
    this.cluster.stats.upstream_rq_max_duration_reached.inc();
    attempt.reset();
    if (this.responseStarted) {
      this.stream.flags |= F.UMSDR;
      this.cleanup();
      this.stream.resetDownstream();
      return;
    }
    if (!attempt.hedged && this.maybeRetryReset('local reset', false)) return;
    if (this.othersMayAnswer()) return;
    const flags = ['UMSDR', ...this.extraFlags];
    this.sendLocal({ status: this.downstreamComplete ? 504 : 408, body: 'upstream max stream duration reached', flags, headers: {} }, 'upstream_max_stream_duration_reached');
  }

  private maybeRetryReset(reason: ResetReason, timeoutRetry: boolean): boolean {
    const rs = this.retryState;
    if (!rs || this.responseStarted) return false;
    const d = rs.onReset(reason, this.requestStarted);
    if (d.retry) {
      this.scheduleRetry(d, timeoutRetry);
      return true;
    }
    if (d.reason === 'limit-exceeded') this.extraFlags.push('URX');
    else if (d.reason === 'overflow') this.extraFlags.push('UO');
    return false;
  }

  private scheduleRetry(d: Extract<RetryDecision, { retry: true }>, timeoutRetry: boolean): void {
    this.pendingRetries++;
    this.nextIsTimeoutRetry = timeoutRetry;
    // RetryImmediately runs on the next event-loop turn, a backoff on its timer.
    if (d.kind === 'immediate') this.backoffImmediate = setImmediate(() => this.doRetry());
    else this.backoffTimer = setTimeout(() => this.doRetry(), d.backoffMs);
  }

  private doRetry(): void {
    this.backoffTimer = undefined;
    this.backoffImmediate = undefined;
    if (this.done) return;
    this.pendingRetries--;
    this.isRetry = true;
    this.attemptCount++;
    this.isTimeoutRetry = this.nextIsTimeoutRetry;
    this.retryState?.onRetryLaunched();
    this.startAttempt();
  }

  private onRouteTimeout(): void {
    this.routeTimer = undefined;
    if (this.done) return;
    const s = this.cluster.stats;
    // Every attempt still in flight is reset and counted (Filter::onResponseTimeout).
    for (const u of this.attempts) {
      s.upstream_rq_timeout.inc();
      for (const sc of this.scopes) sc.upstream_rq_timeout.inc();
      // Only an attempt that had a stream has a host for the detector (Envoy's upstreamHost()).
      if (u.awaitingHeaders && u.stream && !u.outlierTimeoutRecorded) reportTimeout(u.host, this.timeoutCode);
      if (u.awaitingHeaders && !this.responseStarted) this.charge(this.timeoutCode);
      u.reset();
    }
    this.attempts = [];
    this.clearBackoff();
    if (this.responseStarted) {
      this.stream.flags |= F.UT;
      this.cleanup();
      this.stream.resetDownstream();
      return;
    }
    this.sendLocal(this.engine.localReplyForTimeout([], this.timeoutCode === 204), 'response_timeout');
  }

  private onDownstreamReset(): void {
    if (this.done) return;
    this.cleanup();
  }

  /** The final response code in the cluster's stats and the request's scopes. */
  private charge(code: number): void {
    this.cluster.stats.chargeResponse(code);
    for (const s of this.scopes) s.chargeResponse(code);
  }

  // ---- endings

  private sendLocal(reply: LocalReply, details: string, withAttemptCount = true): void {
    if (this.done) return;
    for (const f of reply.flags) this.stream.flags |= flagBit(f);
    let headers = reply.headers;
    if (withAttemptCount && this.vhost.includeAttemptCountInResponse) headers = { ...headers, 'x-envoy-attempt-count': String(this.attemptCount) };
    this.cleanup();
    this.stream.sendLocalReply(reply.status, reply.body, headers, details);
  }

  private dropRetryState(): void {
    const rs = this.retryState;
    this.retryState = undefined;
    rs?.finish();
  }

  private clearBackoff(): void {
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.backoffImmediate) clearImmediate(this.backoffImmediate);
    this.backoffTimer = undefined;
    this.backoffImmediate = undefined;
    this.pendingRetries = 0;
  }

  private cleanup(): void {
    if (this.done) return;
    this.done = true;
    if (this.routeTimer) clearTimeout(this.routeTimer);
    this.routeTimer = undefined;
    this.clearBackoff();
    this.dropRetryState();
    this.buffered = undefined;
    this.stream.onDownstreamReset = undefined;
    const attempts = this.attempts;
    this.attempts = [];
    for (const u of attempts) u.reset();
    this.resumeReading();
  }
}
