/** The scriptable flaky upstream (fortio echo semantics, plus per-attempt scripts) used by tests, demos and `ricochet upstream`. */
export { startUpstream, type Upstream, type UpstreamOptions, type RequestRecord } from './server';
export { parseEchoQuery, parseEchoRequest, decideOutcome, pickBucket, EchoQueryError, DEFAULT_MAX_DELAY_MS } from './echoQuery';
export type { EchoSpec, Bucket, Outcome, Rolls } from './echoQuery';
export { createRng, deriveSeed, randomSeed, type Rng } from './rng';
export { parseScript, stepFor, ScriptBook, ScriptError, H2_ERROR_CODES, type ScriptAttempt, type ScriptStep, type ScriptVerb } from './script';
