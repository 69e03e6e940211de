/** FSM gateway `RetryPolicy` (gateway.flomesh.io, spec/sources-kuma-fsm.md §2.3). */
import type { SourceObject } from '../object';
import type { CompileContext, KindEntry, SystemOutput } from '../registry';

export const GATEWAY_RETRY_POLICY_KINDS: readonly KindEntry[] = [];

export function compileGatewayRetryPolicies(_objects: SourceObject[], _ctx: CompileContext): SystemOutput {
  return { virtualHosts: [], diagnostics: [] };
}
