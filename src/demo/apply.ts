/**
 * Applying a walkthrough's example YAML the way a user would: `POST /apply` on the control
 * plane's admin API (multi-document YAML, one atomic commit), and deleting those objects again
 * afterwards, one DELETE each as `ricochet delete -f` does. The examples put their upstream on
 * 127.0.0.1:8080 and FSM's Gateway listener on 8000; the demo moves only those ports (endpoint
 * ports of Endpoints, EndpointSlice and ServiceEntry; the Gateway listener and the HTTPRoute
 * parentRef that names it) to this run's free ports, and leaves every other byte as the doc has it.
 */
import * as fs from 'node:fs';
import * as YAML from 'yaml';
import { AdminClient, apiError, decodeJson } from '../cli/client';
import { CliError } from '../cli/cliError';
import { objectPath, resourceOfObject } from '../cli/kinds';
import { packagePath } from './paths';

/** Where the examples' fixed ports go in this run. */
export interface PortMoves {
  /** Replaces endpoint port 8080 (the examples' upstream). */
  upstreamPort: number;
  /** Replaces Gateway listener / HTTPRoute parentRef port 8000. */
  gatewayPort: number;
}

export const EXAMPLE_UPSTREAM_PORT = 8080;
export const EXAMPLE_GATEWAY_PORT = 8000;

/**
 * The YAML with the examples' upstream and gateway ports moved, and every other byte as written:
 * the port scalars are found by parsing, then replaced in the text at their source ranges.
 */
export function movePorts(text: string, moves: PortMoves): string {
  const edits: Array<{ start: number; end: number; to: number }> = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new CliError(`example YAML does not parse: ${doc.errors[0].message}`);
    const swap = (p: Array<string | number>, from: number, to: number): void => {
      const node = doc.getIn(p, true);
      if (YAML.isScalar(node) && node.value === from && node.range) edits.push({ start: node.range[0], end: node.range[1], to });
    };
    const each = (p: Array<string | number>, f: (i: number) => void): void => {
      const seq = doc.getIn(p);
      if (YAML.isSeq(seq)) seq.items.forEach((_x, i) => f(i));
    };
    const up = (p: Array<string | number>): void => swap(p, EXAMPLE_UPSTREAM_PORT, moves.upstreamPort);
    const gw = (p: Array<string | number>): void => swap(p, EXAMPLE_GATEWAY_PORT, moves.gatewayPort);
    const kind = doc.get('kind');
    if (kind === 'Endpoints') each(['subsets'], (s) => each(['subsets', s, 'ports'], (p) => up(['subsets', s, 'ports', p, 'port'])));
    if (kind === 'EndpointSlice') each(['ports'], (p) => up(['ports', p, 'port']));
    if (kind === 'ServiceEntry') {
      each(['spec', 'endpoints'], (e) => {
        const ports = doc.getIn(['spec', 'endpoints', e, 'ports']);
        if (YAML.isMap(ports)) for (const pair of ports.items) up(['spec', 'endpoints', e, 'ports', String(YAML.isScalar(pair.key) ? pair.key.value : pair.key)]);
      });
    }
    if (kind === 'Gateway' && String(doc.get('apiVersion')).startsWith('gateway.networking.k8s.io/')) each(['spec', 'listeners'], (l) => gw(['spec', 'listeners', l, 'port']));
    if (kind === 'HTTPRoute') each(['spec', 'parentRefs'], (r) => gw(['spec', 'parentRefs', r, 'port']));
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = `${out.slice(0, e.start)}${e.to}${out.slice(e.end)}`;
  return out;
}

/** The example files of a phase (`<folder>/<file>` under examples/), ports moved, as one bundle. */
export function phaseBundle(files: readonly string[], moves: PortMoves): string {
  return files.map((f) => movePorts(fs.readFileSync(packagePath('examples', f), 'utf8'), moves).trimEnd()).join('\n---\n');
}

export interface AppliedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** `virtualservice.networking.istio.io/httpstat.us created`, as kubectl prints it. */
  text: string;
  action: 'created' | 'configured' | 'unchanged';
}

interface ApplyAnswer {
  results: AppliedObject[];
}

/** POST /apply; every object's outcome (created / configured / unchanged). A refusal is a CliError with the server's message. */
export async function applyYaml(client: AdminClient, yaml: string, source: string): Promise<AppliedObject[]> {
  const res = await client.request('POST', `/apply?source=${encodeURIComponent(source)}`, { body: yaml, contentType: 'application/yaml' });
  if (res.status < 200 || res.status > 299) throw new CliError(`POST /apply of ${source}: ${apiError(res).message}`);
  return decodeJson<ApplyAnswer>(res, 'POST /apply').results;
}

/** Deletes one object applied earlier; already gone is fine. */
export async function deleteObject(client: AdminClient, o: AppliedObject): Promise<boolean> {
  const rr = resourceOfObject(o.apiVersion, o.kind);
  if (!rr) throw new CliError(`cannot delete ${o.kind} ${o.name}: ${o.apiVersion} ${o.kind} is not a kind Ricochet serves`);
  const res = await client.request('DELETE', objectPath(rr, o.namespace, o.name), { body: '{"propagationPolicy":"Background"}\n' });
  if (res.status === 404) return false;
  if (res.status < 200 || res.status > 299) throw new CliError(`DELETE ${o.kind} ${o.name}: ${apiError(res).message}`);
  return true;
}
