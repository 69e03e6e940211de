/**
 * The parts of a `docker-compose config` output the checks read, normalized: docker-compose 1.29
 * prints short volume syntax and lists; Compose v2 prints long-form volumes and ports. Either
 * becomes one Service shape here, so the checks read one thing.
 */

export interface Mount {
  /** Host path (absolute, as `config` resolves it) or a named volume. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface PublishedPort {
  hostIp: string;
  published: string;
  target: string;
}

export interface Service {
  name: string;
  image?: string;
  /** The build context, absolute, when the service builds its image. */
  buildContext?: string;
  entrypoint?: string[];
  command: string[];
  /** `service:controlplane`, `host`, … or undefined (the project network: its own namespace). */
  networkMode?: string;
  mounts: Mount[];
  ports: PublishedPort[];
  /** The healthcheck's command as argv (`CMD` form), or the shell string (`CMD-SHELL`) as [sh, -c, string]. */
  healthcheck?: string[];
  profiles: string[];
  dependsOn: string[];
}

export type ComposeModel = Map<string, Service>;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === 'string') return shellWords(v);
  return [];
}

/** Compose splits a string command as a shell would (without expansion): enough for quotes and spaces. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  return words;
}

function mount(v: unknown): Mount | undefined {
  if (typeof v === 'string') {
    // source:target[:mode]; a bare "target" is an anonymous volume.
    const parts = v.split(':');
    if (parts.length === 1) return { source: '', target: parts[0], readOnly: false };
    return { source: parts[0], target: parts[1], readOnly: (parts[2] ?? '').split(',').includes('ro') };
  }
  if (isObj(v)) return { source: String(v.source ?? ''), target: String(v.target ?? ''), readOnly: v.read_only === true };
  return undefined;
}

function ports(v: unknown): PublishedPort[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p): PublishedPort[] => {
    if (isObj(p)) return p.published === undefined ? [] : [{ hostIp: String(p.host_ip ?? ''), published: String(p.published), target: String(p.target ?? '') }];
    // [ip:]published:target[/proto], or a bare target (no host port).
    const parts = String(p).replace(/\/\w+$/, '').split(':');
    if (parts.length === 1) return [];
    const target = parts.pop() ?? '';
    const published = parts.pop() ?? '';
    return [{ hostIp: parts.join(':'), published, target }];
  });
}

function healthcheck(v: unknown): string[] | undefined {
  if (!isObj(v) || v.disable === true) return undefined;
  const test = v.test;
  if (typeof test === 'string') return ['sh', '-c', test];
  if (!Array.isArray(test) || test.length === 0) return undefined;
  const [kind, ...rest] = test.map((x) => String(x));
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  return undefined; // NONE
}

function dependsOn(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (isObj(v)) return Object.keys(v);
  return [];
}

/** The services of a parsed `docker-compose config`; throws if it has none (not a compose config). */
export function composeModel(config: unknown): ComposeModel {
  if (!isObj(config) || !isObj(config.services)) throw new Error('not a compose config: no services');
  const model: ComposeModel = new Map();
  for (const [name, raw] of Object.entries(config.services)) {
    const s = isObj(raw) ? raw : {};
    const build = s.build;
    model.set(name, {
      name,
      image: typeof s.image === 'string' ? s.image : undefined,
      buildContext: typeof build === 'string' ? build : isObj(build) && typeof build.context === 'string' ? build.context : undefined,
      entrypoint: s.entrypoint === undefined ? undefined : strings(s.entrypoint),
      command: strings(s.command),
      networkMode: typeof s.network_mode === 'string' ? s.network_mode : undefined,
      mounts: (Array.isArray(s.volumes) ? s.volumes : []).map(mount).filter((m): m is Mount => m !== undefined),
      ports: ports(s.ports),
      healthcheck: healthcheck(s.healthcheck),
      profiles: strings(s.profiles),
      dependsOn: dependsOn(s.depends_on),
    });
  }
  return model;
}

/** A flag's value in an argv (`--flag value` or `--flag=value`), or undefined. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}
