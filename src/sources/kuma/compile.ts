/**
 * Valid Kuma objects → what one proxy gets (spec sources-kuma-fsm.md §1): for every registry
 * destination (service and port), the destination's Kuma protocol picks the section; the
 * MeshRetry entries that apply are merged (§1.2.4), the legacy Retry picks one policy (§1.1.3),
 * and one decision per (host, port) is attached: HTTP/gRPC as a RetryAttachment, TCP as a
 * TcpAttachment.
 *
 * Kuma never combines the two APIs ("do not combine with Retry"). When both apply to one
 * destination, the MeshRetry decides (it is the API that replaces Retry, and in Kuma's own
 * Envoy config its route-level policy is the one Envoy uses over Retry's virtual-host one),
 * including `numRetries: 0`, which turns retries off; the Retry gets an Overridden warning.
 */
import { Codes } from '../../lib/errors';
import { isHttpProtocol, type Provenance, type RetryDecision, type Service, type ServicePort } from '../../ir/model';
import { FieldReader, isMap, type YamlMap } from '../fields';
import type { SourceObject } from '../object';
import { byNamespaceName, provenanceOf } from '../provenance';
import type { CompileContext, RetryAttachment, SystemOutput, TcpAttachment } from '../registry';
import type { ServiceRegistry } from '../serviceRegistry';
import { createdOf, meshOf } from './dialect';
import { describeObject, Findings } from './findings';
import { SERVICE_TAG } from './kinds';
import { readLegacyRetry } from './legacyRetry';
import { legacyGrpcPolicy, legacyHttpPolicy } from './legacyRetryPolicy';
import { legacyCandidates, pickLegacy, type LegacyCandidate, type LegacyPick, type LegacyRetry } from './legacySelection';
import { readMeshRetry, type MeshRetrySpec } from './meshRetry';
import { compareEntries, mergeConfs, type MeshRetryEntry } from './meshRetryMerge';
import { meshRetryGrpcPolicy, meshRetryHttpPolicy } from './meshRetryPolicy';
import { kumaProtocol, retrySectionFor, type RetrySection } from './protocol';
import { proxyMeshOf, topSelection } from './proxySelection';
import { selectorMatches } from '../../ir/proxy';
import { covers, resolveMeshService, resolveServiceTag, type KumaDestination } from './services';
import type { TargetRef } from './targetRef';

interface Destination {
  service: Service;
  port: ServicePort;
  protocol: string;
  section: RetrySection;
  where: string;
  /** Named by a policy with something narrower than `*` or Mesh. */
  explicit: boolean;
}

interface Attachments {
  retryAttachments: RetryAttachment[];
  tcpAttachments: TcpAttachment[];
}

interface ReadMeshRetry {
  object: SourceObject;
  spec: MeshRetrySpec;
}

/** Caches tag and MeshService resolutions for one compile. */
class Resolver {
  private readonly cache = new Map<string, KumaDestination[]>();
  constructor(private readonly registry: ServiceRegistry) {}

  tag(value: string): KumaDestination[] {
    return this.memo(`tag\u0000${value}`, () => resolveServiceTag(this.registry, value));
  }

  /** The destinations a `to[].targetRef` names; Mesh names all; kinds Ricochet does not read name none. */
  to(ref: TargetRef): KumaDestination[] {
    if (ref.kind === 'Mesh') return this.tag('*');
    if (ref.kind !== 'MeshService' || !ref.name) return [];
    const { name, namespace, sectionName } = ref;
    return this.memo(`ms\u0000${name}\u0000${namespace ?? ''}\u0000${sectionName ?? ''}`, () => resolveMeshService(this.registry, { name, namespace, sectionName }));
  }

  private memo(key: string, f: () => KumaDestination[]): KumaDestination[] {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const value = f();
    this.cache.set(key, value);
    return value;
  }
}

export function compileKuma(objects: SourceObject[], ctx: CompileContext): SystemOutput {
  const findings = new Findings();
  const resolver = new Resolver(ctx.registry);
  const mesh = proxyMeshOf(ctx.proxy);
  const inMesh = objects.filter((o) => meshOf(o) === mesh).sort(byNamespaceName);
  const legacy: LegacyRetry[] = inMesh.filter((o) => o.kind === 'Retry').map((object) => ({ object, spec: readLegacyRetry(new FieldReader(object)) }));
  const meshRetries: ReadMeshRetry[] = inMesh.filter((o) => o.kind === 'MeshRetry').map((object) => ({ object, spec: readMeshRetry(new FieldReader(object)) }));
  checkLegacyReferences(legacy, resolver, findings);
  checkMeshRetryReferences(meshRetries, resolver, findings);

  const candidates = legacyCandidates(legacy, ctx.proxy);
  const entries = meshRetries
    .filter((m) => appliesToProxy(m, ctx, findings))
    .flatMap((m) => m.spec.to.map((to) => ({ object: m.object, spec: m.spec, to })))
    .sort(compareEntries);

  const out: Attachments = { retryAttachments: [], tcpAttachments: [] };
  for (const destination of destinations(ctx.registry)) {
    const host = destination.service.host;
    const port = destination.port.number;
    const named = (value: string | undefined): boolean => covers(resolver.tag(value ?? ''), host, port);
    const pick = pickLegacy(candidates, (selector) => named(selector[SERVICE_TAG]));
    const matching = entries.filter((e) => covers(resolver.to(e.to.targetRef), host, port));
    // Named by something narrower than `*` / Mesh: only then is a protocol mismatch worth a warning.
    const explicit = matching.some((e) => e.to.targetRef.kind !== 'Mesh')
      || (pick?.winner.spec.destinations.some((s) => s[SERVICE_TAG] !== '*' && named(s[SERVICE_TAG])) ?? false);
    decide({ ...destination, explicit }, pick, matching, ctx, findings, out);
  }
  const { diagnostics, conditions } = findings.finish();
  return { virtualHosts: [], ...out, conditions, diagnostics };
}

/** Every port of every registry service that Envoy can route (not UDP), with its Kuma protocol. */
function destinations(registry: ServiceRegistry): Array<Omit<Destination, 'explicit'>> {
  return registry.services.flatMap((service) => service.ports.filter((p) => p.protocol !== 'UDP').map((port) => {
    const protocol = kumaProtocol(service, port);
    return { service, port, protocol, section: retrySectionFor(protocol), where: `${service.host}:${port.number}` };
  }));
}

function decide(d: Destination, pick: LegacyPick | undefined, matching: MeshRetryEntry[], ctx: CompileContext, findings: Findings, out: Attachments): void {
  const merged = mergeConfs(matching);
  const winner = pick?.winner;
  for (const loser of pick ? pick.losers : []) {
    findings.overrides(loser.object, [...loser.spec.root, 'destinations'], describeObject(pick ? pick.winner.object : loser.object),
      'Kuma applies exactly one Retry per destination: the best-ranked sources and destinations match, then the newest', d.where);
  }
  const meshSection = isMap(merged[d.section]) ? (merged[d.section] as YamlMap) : undefined;
  const legacyHas = winner !== undefined && winner.spec[d.section] !== undefined;
  if (meshSection && winner && legacyHas) {
    findings.overrides(winner.object, [...winner.spec.root, 'conf', d.section], describeObject(lastContributor(matching, d.section).object),
      'Kuma never combines Retry with MeshRetry; the MeshRetry decides', d.where);
  }
  if (d.explicit) checkProtocol(d, matching, merged, winner, findings);
  if (d.section === 'tcp') {
    const attempts = meshSection && typeof meshSection.maxConnectAttempt === 'number' ? meshSection.maxConnectAttempt : undefined;
    if (attempts !== undefined) {
      out.tcpAttachments.push({ host: d.service.host, port: d.port.number, maxConnectAttempts: attempts, from: meshProvenance(lastContributor(matching, 'tcp'), 'tcp') });
    } else if (winner?.spec.tcp) {
      out.tcpAttachments.push({ host: d.service.host, port: d.port.number, maxConnectAttempts: winner.spec.tcp.maxConnectAttempts, from: legacyProvenance(winner, 'tcp') });
    }
    return;
  }
  const decision = meshSection ? meshDecision(meshSection, d.section, matching) : winner && legacyHas ? legacyDecision(winner, d.section, ctx) : undefined;
  if (decision) out.retryAttachments.push({ host: d.service.host, port: d.port.number, decision, role: ctx.proxy.role });
}

function legacyDecision(c: LegacyCandidate, section: 'http' | 'grpc', ctx: CompileContext): RetryDecision | undefined {
  const { http, grpc } = c.spec;
  const policy = section === 'http' ? http && legacyHttpPolicy(http) : grpc && legacyGrpcPolicy(grpc);
  if (!policy) return undefined;
  const decision: RetryDecision = {
    policy,
    from: legacyProvenance(c, section),
    reason: `Kuma Retry ${c.object.name} (conf.${section}): the best match for this proxy's tags and this destination`,
    level: 'destination',
  };
  // Kuma writes it on the sidecar's virtual host, on a gateway's routes (§1.1.2).
  if (ctx.proxy.role === 'sidecar') decision.placement = 'virtualHost';
  return decision;
}

function meshDecision(conf: YamlMap, section: 'http' | 'grpc', matching: MeshRetryEntry[]): RetryDecision {
  const policy = section === 'http' ? meshRetryHttpPolicy(conf) : meshRetryGrpcPolicy(conf);
  const last = lastContributor(matching, section);
  const contributors = matching.filter((e) => isMap(e.to.conf[section]));
  const merged = contributors.length > 1 ? `, merged over ${contributors.slice(0, -1).map((e) => describeObject(e.object)).join(', ')} (RFC 7396, later in Kuma's order wins)` : '';
  const off = policy === null ? '; numRetries: 0 turns retries off' : '';
  return {
    policy,
    from: meshProvenance(last, section),
    reason: `Kuma ${describeObject(last.object)} (spec.to[${last.to.index}].default.${section})${merged}${off}`,
    level: 'destination',
  };
}

/** The entry applied last among those that set `section`: it decided the merged section's last word. */
function lastContributor(matching: MeshRetryEntry[], section: string): MeshRetryEntry {
  const setting = matching.filter((e) => isMap(e.to.conf[section]));
  return setting[setting.length - 1];
}

function withCreated(p: Provenance, object: SourceObject): Provenance {
  const created = createdOf(object);
  return created !== undefined ? { ...p, created } : p;
}

function legacyProvenance(c: LegacyCandidate, section: RetrySection): Provenance {
  return withCreated(provenanceOf(c.object, [...c.spec.root, 'conf', section]), c.object);
}

function meshProvenance(e: MeshRetryEntry, section: RetrySection): Provenance {
  return withCreated(provenanceOf(e.object, ['spec', 'to', e.to.index, 'default', section]), e.object);
}

/**
 * Kuma reads a port's protocol from appProtocol or its annotation; the registry routes a port as
 * HTTP or TCP by its own rules. When they disagree, what the policy says cannot take effect, and
 * Kuma would stay silent about it: say so, pointing at the policy.
 */
function checkProtocol(d: Destination, matching: MeshRetryEntry[], merged: YamlMap, winner: LegacyCandidate | undefined, findings: Findings): void {
  const routedHttp = isHttpProtocol(d.port.protocol);
  const wantsHttp = d.section !== 'tcp';
  if (routedHttp === wantsHttp) return;
  const sets = (section: RetrySection): boolean => isMap(merged[section]) || winner?.spec[section] !== undefined;
  if (wantsHttp ? !sets(d.section) : !sets('http') && !sets('grpc')) return;
  const target = d.port.number;
  const message = wantsHttp
    ? `Kuma reads port ${target} of ${d.service.host} as ${d.protocol}, but Ricochet routes it as ${d.port.protocol}: its ${d.section} retries have no HTTP route to attach to; give the port an appProtocol the registry and Kuma agree on`
    : `Kuma reads port ${target} of ${d.service.host} as ${d.protocol} (it has no appProtocol or ${target}.service.kuma.io/protocol annotation Kuma knows), so the http/grpc sections do not apply to it, only tcp connect attempts; set appProtocol: http (or grpc) on the port`;
  if (winner) findings.warn(winner.object, [...winner.spec.root, 'destinations'], message);
  for (const e of matching.filter((m) => m.to.targetRef.kind !== 'Mesh')) findings.warn(e.object, ['spec', 'to', e.to.index, 'targetRef'], message);
}

function appliesToProxy(m: ReadMeshRetry, ctx: CompileContext, findings: Findings): boolean {
  const selection = topSelection(m.spec.targetRef);
  if (selection.kind === 'none') {
    findings.warn(m.object, ['spec', 'targetRef', selection.field ?? 'kind'], `${selection.why}; this MeshRetry applies to no proxy`, Codes.UnsupportedField);
    return false;
  }
  return selection.kind === 'all' || selectorMatches(selection.selector, ctx.proxy);
}

function checkLegacyReferences(legacy: LegacyRetry[], resolver: Resolver, findings: Findings): void {
  for (const { object, spec } of legacy) {
    spec.destinations.forEach((selector, i) => {
      const value = selector[SERVICE_TAG];
      if (value !== undefined && resolver.tag(value).length === 0) {
        findings.warn(object, [...spec.root, 'destinations', i, 'match', SERVICE_TAG], unresolved(value), Codes.ReferencedResourceNotFound);
      }
    });
  }
}

function checkMeshRetryReferences(meshRetries: ReadMeshRetry[], resolver: Resolver, findings: Findings): void {
  for (const { object, spec } of meshRetries) {
    for (const to of spec.to) {
      const path = ['spec', 'to', to.index, 'targetRef'];
      const { kind, name } = to.targetRef;
      if (kind === 'MeshService' && name && resolver.to(to.targetRef).length === 0) {
        findings.warn(object, path, unresolved(name, to.targetRef), Codes.ReferencedResourceNotFound);
      } else if (kind !== 'Mesh' && kind !== 'MeshService') {
        findings.warn(object, [...path, 'kind'], `to[].targetRef kind ${kind} is not supported by Ricochet yet; this entry is ignored`, Codes.UnsupportedField);
      }
    }
  }
}

function unresolved(value: string, ref?: TargetRef): string {
  const where = ref?.namespace ? ` in namespace ${ref.namespace}` : '';
  const port = ref?.sectionName ? ` with a port named or numbered ${ref.sectionName}` : '';
  return `no registry service answers to ${JSON.stringify(value)}${where}${port}: Kuma names a Kubernetes Service by its name, by a kuma.io/service label, or as <name>_<namespace>_svc_<port>; this destination gets nothing until such a Service exists`;
}
