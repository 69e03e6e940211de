/**
 * Facts the compose file must agree with, each read from where the repo keeps it: the Envoy pin
 * (scripts/install-envoy.js), the Dockerfile and .dockerignore, an Envoy bootstrap, and the hosts
 * and endpoints a --sources directory declares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { repoPath, repoRoot } from '../support/paths';
import { commandHelp, type CommandHelp } from './cliHelp';

export interface RepoFacts {
  /** The repository root: the build context, and what the image's WORKDIR holds. */
  root: string;
  /** scripts/install-envoy.js's PINNED. */
  envoyPin: string;
  dockerfile: Stage[];
  dockerignore: string[];
  /** `ricochet <command> --help`, or why there is none (no such command). */
  help(command: string): CommandHelp | { missing: string };
}

/** The facts of this checkout; `ricochet <command> --help` is run once per command, on demand. */
export function loadRepoFacts(): RepoFacts {
  const helps = new Map<string, CommandHelp | { missing: string }>();
  return {
    root: repoRoot,
    envoyPin: envoyPin(),
    dockerfile: parseDockerfile(fs.readFileSync(repoPath('Dockerfile'), 'utf8')),
    dockerignore: dockerignorePatterns(fs.readFileSync(repoPath('.dockerignore'), 'utf8')),
    help(command: string) {
      let h = helps.get(command);
      if (!h) {
        try {
          h = commandHelp(command);
        } catch (err) {
          h = { missing: (err as Error).message.split('\n')[0] };
        }
        helps.set(command, h);
      }
      return h;
    },
  };
}

/** The Envoy version scripts/install-envoy.js installs for the tests (`const PINNED = '1.40.0'`). */
export function envoyPin(): string {
  const text = fs.readFileSync(repoPath('scripts', 'install-envoy.js'), 'utf8');
  const m = /^const PINNED = '([^']+)';/m.exec(text);
  if (!m) throw new Error('scripts/install-envoy.js: no `const PINNED = ...` line');
  return m[1];
}

export interface Instruction {
  keyword: string;
  /** The rest of the line, continuation lines joined. */
  args: string;
  /** `--from=x` style flags of COPY/ADD. */
  flags: Map<string, string>;
  /** JSON-form arguments (`["node", "bin/ricochet.js"]`), or the words of the shell form. */
  words: string[];
}

export interface Stage {
  image: string;
  alias?: string;
  instructions: Instruction[];
}

/** A Dockerfile's stages; comments and `\` continuations handled, nothing else interpreted. */
export function parseDockerfile(text: string): Stage[] {
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const words = rest.filter((w) => !w.startsWith('--'));
      stages.push({ image: words[0], alias: words[1]?.toUpperCase() === 'AS' ? words[2] : undefined, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`Dockerfile: ${keyword} before any FROM`);
    const flags = new Map<string, string>();
    let body = args;
    for (let m = /^--([\w-]+)=(\S+)\s*/.exec(body); m; m = /^--([\w-]+)=(\S+)\s*/.exec(body)) {
      flags.set(m[1], m[2]);
      body = body.slice(m[0].length);
    }
    let words: string[];
    try {
      const json: unknown = body.startsWith('[') ? JSON.parse(body) : undefined;
      words = Array.isArray(json) ? json.map((w) => String(w)) : body.split(/\s+/).filter(Boolean);
    } catch {
      words = body.split(/\s+/).filter(Boolean);
    }
    stage.instructions.push({ keyword: keyword.toUpperCase(), args: body, flags, words });
  }
  return stages;
}

/** .dockerignore's patterns (comments and blank lines dropped). */
export function dockerignorePatterns(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** Whether a repo-relative path is excluded from the build context (plain names and `*` globs, as used here). */
export function dockerignored(rel: string, patterns: readonly string[]): boolean {
  const clean = rel.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/^\//, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return re.test(clean);
  });
}

export interface BootstrapFacts {
  /** host:port of the static cluster ADS is served by. */
  adsAddress: string;
  /** host:port of Envoy's admin. */
  adminAddress: string;
  /** node.metadata.ROLE, e.g. sidecar. */
  role?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function socketAddress(v: unknown): string {
  const sa = obj(obj(v).socket_address);
  return `${String(sa.address)}:${String(sa.port_value)}`;
}

/** The addresses an Envoy bootstrap (envoy/bootstrap.yaml) connects to and listens on. */
export function bootstrapFacts(file: string): BootstrapFacts {
  const b = obj(parse(fs.readFileSync(file, 'utf8')));
  const ads = obj(obj(b.dynamic_resources).ads_config);
  const clusterName = String(obj(obj(arr(ads.grpc_services)[0]).envoy_grpc).cluster_name);
  const cluster = obj(arr(obj(b.static_resources).clusters).find((c) => obj(c).name === clusterName));
  const endpoint = obj(arr(obj(arr(obj(cluster.load_assignment).endpoints)[0]).lb_endpoints)[0]);
  const meta = obj(obj(b.node).metadata);
  return {
    adsAddress: socketAddress(obj(endpoint.endpoint).address),
    adminAddress: socketAddress(obj(b.admin).address),
    role: typeof meta.ROLE === 'string' ? meta.ROLE : undefined,
  };
}

export interface SourcesFacts {
  /** Every host a ServiceEntry or VirtualService declares. */
  hosts: Set<string>;
  /** Every ServiceEntry endpoint as address:port. */
  endpoints: Set<string>;
}

/** What a --sources directory declares (its YAML files, every document). */
export function sourcesFacts(dir: string): SourcesFacts {
  const hosts = new Set<string>();
  const endpoints = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, name), 'utf8'))) {
      const o = obj(doc.toJS());
      const spec = obj(o.spec);
      if (o.kind === 'ServiceEntry' || o.kind === 'VirtualService') for (const h of arr(spec.hosts)) hosts.add(String(h));
      if (o.kind !== 'ServiceEntry') continue;
      for (const e of arr(spec.endpoints)) {
        for (const port of Object.values(obj(obj(e).ports))) endpoints.add(`${String(obj(e).address)}:${String(port)}`);
      }
    }
  }
  return { hosts, endpoints };
}
