/**
 * FSM gateway `RetryPolicy` (gateway.flomesh.io/v1alpha1, spec/sources-kuma-fsm.md §2.3): a
 * retry config per port of a Service, applied by gateway proxies to every route whose backend is
 * that Service port (not per route). Selection is FSM's: policies are taken oldest first
 * (creationTimestamp, then namespace/name); one whose effective config for a port differs from
 * an already accepted policy's is Conflicted and not used at all; a missing Service is
 * TargetNotFound. The output is one destination-level attachment per (Service, port), for
 * gateway proxies only; an HTTPRoute rule's own `retry` beats it (ir/precedence.ts).
 */
import { Codes, type Diagnostic } from '../../lib/errors';
import type { Service } from '../../ir/model';
import { FieldReader } from '../fields';
import { StatusCollector } from '../gatewayapi/status';
import type { SourceObject } from '../object';
import { byNamespaceName, provenanceOf } from '../provenance';
import type { CompileContext, KindEntry, RetryAttachment, SystemOutput } from '../registry';
import { gatewayRetryPolicyOf } from './gatewayRetryPolicyEnvoy';
import {
  FSM_GATEWAY_GROUP, effectiveConfig, readGatewayRetryPolicy, sameConfig, type EffectiveRetryConfig, type GatewayRetryPolicySpec,
} from './gatewayRetryPolicySpec';

function validateGatewayRetryPolicy(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readGatewayRetryPolicy(r);
  return r.diagnostics;
}

export const GATEWAY_RETRY_POLICY_KINDS: readonly KindEntry[] = [
  { group: FSM_GATEWAY_GROUP, kind: 'RetryPolicy', versions: ['v1alpha1'], validate: validateGatewayRetryPolicy },
];

interface ReadPolicy {
  object: SourceObject;
  spec: GatewayRetryPolicySpec;
}

/** A policy's effective config on one port of its target Service. */
interface PortConfig {
  index: number;
  port: number;
  config: EffectiveRetryConfig;
}

/** Oldest creationTimestamp first (none: last), then namespace/name: FSM's order of acceptance. */
function byAge(a: ReadPolicy, b: ReadPolicy): number {
  const ca = Date.parse(provenanceOf(a.object).created ?? '');
  const cb = Date.parse(provenanceOf(b.object).created ?? '');
  const ka = Number.isNaN(ca) ? Number.POSITIVE_INFINITY : ca;
  const kb = Number.isNaN(cb) ? Number.POSITIVE_INFINITY : cb;
  return (ka === kb ? 0 : ka < kb ? -1 : 1) || byNamespaceName(a.object, b.object);
}

export function compileGatewayRetryPolicies(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const status = new StatusCollector();
  const policies = objects.map((object) => ({ object, spec: readGatewayRetryPolicy(new FieldReader(object)) })).sort(byAge);
  // Accepted configs per `host:port`, with the policy that set them.
  const accepted = new Map<string, { config: EffectiveRetryConfig; by: ReadPolicy; port: PortConfig }>();
  for (const policy of policies) {
    const service = targetService(policy, ctx, status);
    if (!service) continue;
    const ports = portConfigs(policy, service, status);
    const conflicts = ports.filter((p) => {
      const winner = accepted.get(`${service.host}:${p.port}`);
      return winner !== undefined && !sameConfig(winner.config, p.config);
    });
    if (conflicts.length > 0) {
      const detail = conflicts.map((p) => {
        const winner = accepted.get(`${service.host}:${p.port}`) as { by: ReadPolicy };
        return `port ${p.port} is already configured differently by RetryPolicy ${winner.by.object.namespace}/${winner.by.object.name} (older, or first by namespace/name)`;
      });
      status.fail(policy.object, 'Accepted', 'Conflicted', `${detail.join('; ')}; this policy is not used`, ['spec', 'ports', conflicts[0].index]);
      continue;
    }
    for (const p of ports) if (!accepted.has(`${service.host}:${p.port}`)) accepted.set(`${service.host}:${p.port}`, { config: p.config, by: policy, port: p });
    status.ok(policy.object, 'Accepted', 'Accepted', `applies to port${ports.length === 1 ? '' : 's'} ${ports.map((p) => p.port).join(', ')} of Service ${service.namespace}/${service.name ?? service.host} on gateway routes`);
  }
  return {
    virtualHosts: [],
    retryAttachments: [...accepted.entries()].map(([key, a]) => attachment(key, a.by, a.port)),
    conditions: status.conditions,
    diagnostics: status.diagnostics,
  };
}

/** The Service a policy targets, or undefined with the condition that says why not. */
function targetService(policy: ReadPolicy, ctx: CompileContext, status: StatusCollector): Service | undefined {
  const ref = policy.spec.targetRef;
  if (!ref) return undefined;
  const namespace = ref.namespace ?? policy.object.namespace;
  if (ref.kind !== 'Service') {
    status.fail(policy.object, 'Accepted', 'TargetNotFound', `${ref.kind} ${namespace}/${ref.name}: multi-cluster ServiceImports are not supported by Ricochet`, ['spec', 'targetRef', 'kind']);
    return undefined;
  }
  if (namespace !== policy.object.namespace) {
    // FSM needs a ReferenceGrant for this; the FSM source cannot see ReferenceGrants (docs/sources/fsm-gateway.md).
    status.fail(policy.object, 'Accepted', 'Invalid', `targetRef names namespace ${namespace}: a cross-namespace target needs a ReferenceGrant, which Ricochet does not check for RetryPolicy yet, so only same-namespace targets are used`, ['spec', 'targetRef', 'namespace']);
    return undefined;
  }
  const service = ctx.registry.byName(namespace, ref.name);
  if (!service) status.fail(policy.object, 'Accepted', 'TargetNotFound', `Service ${namespace}/${ref.name} not found`, ['spec', 'targetRef', 'name']);
  return service;
}

/** Effective configs of the ports the Service has; other entries are warned about and skipped. */
function portConfigs(policy: ReadPolicy, service: Service, status: StatusCollector): PortConfig[] {
  const out: PortConfig[] = [];
  for (const p of policy.spec.ports) {
    const config = effectiveConfig(policy.spec, p);
    if (!config) continue;
    if (!service.ports.some((sp) => sp.number === p.port)) {
      status.diagnostics.push(portMissing(policy.object, p.index, p.port, service));
      continue;
    }
    out.push({ index: p.index, port: p.port, config });
  }
  return out;
}

function portMissing(object: SourceObject, index: number, port: number, service: Service): Diagnostic {
  const { kind, namespace, name, document } = object;
  return {
    severity: 'Warning',
    code: Codes.ReferencedResourceNotFound,
    message: `Service ${service.namespace}/${service.name ?? service.host} has no port ${port} (its ports: ${service.ports.map((p) => p.number).join(', ')}); this entry has no effect`,
    object: { kind, namespace, name },
    location: document.locate(['spec', 'ports', index, 'port']),
  };
}

function attachment(key: string, policy: ReadPolicy, p: PortConfig): RetryAttachment {
  const host = key.slice(0, key.lastIndexOf(':'));
  const where = `RetryPolicy ${policy.object.namespace}/${policy.object.name} spec.ports[${p.index}]`;
  const retryPolicy = gatewayRetryPolicyOf(p.config);
  return {
    host,
    port: p.port,
    role: 'gateway',
    decision: {
      policy: retryPolicy,
      from: provenanceOf(policy.object, ['spec', 'ports', p.index]),
      reason: retryPolicy === null ? `${where}: retryOn ${JSON.stringify(p.config.retryOn)} matches no status code` : `FSM gateway ${where}`,
      level: 'destination',
    },
  };
}
