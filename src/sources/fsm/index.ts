/**
 * FSM and OSM as a source system (spec/sources-kuma-fsm.md §2): the mesh `Retry`
 * (policy.flomesh.io and OSM's policy.openservicemesh.io) in ./retry*, and the FSM gateway's
 * `RetryPolicy` (gateway.flomesh.io) in ./gatewayRetryPolicy*.
 */
import type { CompileContext, SourceSystem, SystemOutput } from '../registry';
import type { SourceObject } from '../object';
import { compileGatewayRetryPolicies, GATEWAY_RETRY_POLICY_KINDS } from './gatewayRetryPolicy';
import { compileMeshRetries, MESH_RETRY_KINDS, meshRetrySelectors } from './retry';

function compileFsm(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const parts = [
    compileMeshRetries(objects.filter((o) => MESH_RETRY_KINDS.some((k) => k.group === o.group && k.kind === o.kind)), ctx),
    compileGatewayRetryPolicies(objects.filter((o) => GATEWAY_RETRY_POLICY_KINDS.some((k) => k.group === o.group && k.kind === o.kind)), ctx),
  ];
  return {
    virtualHosts: [],
    retryAttachments: parts.flatMap((p) => p.retryAttachments ?? []),
    conditions: parts.flatMap((p) => p.conditions ?? []),
    diagnostics: parts.flatMap((p) => p.diagnostics),
  };
}

export const fsmSystem: SourceSystem = {
  name: 'fsm',
  kinds: [...MESH_RETRY_KINDS, ...GATEWAY_RETRY_POLICY_KINDS],
  selectors: (objects) => meshRetrySelectors(objects.filter((o) => MESH_RETRY_KINDS.some((k) => k.group === o.group && k.kind === o.kind))),
  compile: compileFsm,
};
