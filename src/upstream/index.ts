/** The scriptable flaky upstream (fortio echo semantics) used by tests, demos and `ricochet upstream`. */
export { startUpstream, type Upstream, type UpstreamOptions, type RequestRecord } from './server';
export { parseEchoQuery, parseEchoRequest, decideOutcome, pickBucket, EchoQueryError, DEFAULT_MAX_DELAY_MS } from './echoQuery';
export type { EchoSpec, Bucket, Outcome, Rolls } from './echoQuery';
export { createRng, deriveSeed, randomSeed, type Rng } from './rng';
