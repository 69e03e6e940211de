/**
 * `ricochet version`: the client's version and, when the admin API answers, the control plane's
 * and the connected proxies', in istioctl's layout (`client version: …`, `control plane version:
 * …`, `data plane version: … (N proxies)`). Loads nothing of the control plane: it must be quick.
 */
import { Command, Option } from 'commander';
import { VERSION } from '../version';
import { AdminClient, ApiError, decodeJson, type GlobalOptions } from './client';
import { CliError } from './cliError';
import { toJson, toYaml } from './output';

interface VersionCliOptions {
  client: boolean;
  output?: 'json' | 'yaml';
}

/** What the command learned, also its `-o json` shape. */
export interface VersionInfo {
  clientVersion: string;
  server?: string;
  serverVersion?: string;
  /** Why there is no server version (unreachable, no /version endpoint). */
  serverError?: string;
  dataPlane?: Array<{ version: string; proxies: number }>;
}

export function registerVersion(program: Command, globals: () => GlobalOptions): void {
  program
    .command('version')
    .description('print the client version, and the control plane\'s and the proxies\' when the admin API (--server) answers')
    .option('--client', 'only the client version; do not contact the server', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .action(async (opts: VersionCliOptions) => {
      const info: VersionInfo = { clientVersion: VERSION };
      if (!opts.client) Object.assign(info, await serverVersions(AdminClient.fromOptions(globals())));
      if (opts.output === 'json') process.stdout.write(toJson(info));
      else if (opts.output === 'yaml') process.stdout.write(await toYaml(info));
      else process.stdout.write(formatVersion(info));
    });
}

export function formatVersion(info: VersionInfo): string {
  const lines = [`client version: ${info.clientVersion}`];
  if (info.serverVersion !== undefined) lines.push(`control plane version: ${info.serverVersion}`);
  else if (info.serverError !== undefined) lines.push(`control plane version: unavailable: ${info.serverError}`);
  for (const dp of info.dataPlane ?? []) lines.push(`data plane version: ${dp.version} (${dp.proxies} ${dp.proxies === 1 ? 'proxy' : 'proxies'})`);
  return `${lines.join('\n')}\n`;
}

/**
 * GET /version (Kubernetes' shape: `gitVersion`; or `{version}`) and the proxies from
 * /debug/syncz. Never throws: an unreachable or older server is reported in `serverError`.
 */
async function serverVersions(client: AdminClient): Promise<Partial<VersionInfo>> {
  const out: Partial<VersionInfo> = { server: client.address };
  try {
    const res = await client.request('GET', '/version', { timeoutMs: 5000 });
    if (res.status === 404) {
      out.serverError = `the admin API at ${client.address} has no /version endpoint`;
    } else {
      const body = decodeJson<{ gitVersion?: unknown; version?: unknown }>(res, 'GET /version');
      const v = typeof body.gitVersion === 'string' ? body.gitVersion : typeof body.version === 'string' ? body.version : undefined;
      if (v === undefined) out.serverError = `GET ${client.address}/version has no gitVersion or version field`;
      else out.serverVersion = v.replace(/^v(?=\d)/, '');
    }
  } catch (err) {
    out.serverError = err instanceof CliError || err instanceof ApiError ? err.message : String(err);
    return out;
  }
  out.dataPlane = await dataPlaneVersions(client);
  return out;
}

/** Connected proxies grouped by the Envoy version their node reports (`unknown` when it says none). */
async function dataPlaneVersions(client: AdminClient): Promise<Array<{ version: string; proxies: number }> | undefined> {
  let proxies: Array<{ node?: Record<string, unknown>; userAgent?: string }>;
  try {
    proxies = await client.getJson<Array<{ node?: Record<string, unknown>; userAgent?: string }>>('/debug/syncz');
  } catch {
    return undefined;
  }
  if (!Array.isArray(proxies)) return undefined;
  const counts = new Map<string, number>();
  for (const p of proxies) {
    const v = p.userAgent ?? proxyVersion(p.node);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([version, n]) => ({ version, proxies: n }));
}

/** Envoy's build version from its node (user_agent_build_version, or Istio's ISTIO_VERSION metadata). */
export function proxyVersion(node: Record<string, unknown> | undefined): string {
  const build = node?.userAgentBuildVersion as { version?: { majorNumber?: number; minorNumber?: number; patch?: number } } | undefined;
  const v = build?.version;
  if (v && typeof v.majorNumber === 'number') return `${v.majorNumber}.${v.minorNumber ?? 0}.${v.patch ?? 0}`;
  if (typeof node?.userAgentVersion === 'string') return node.userAgentVersion;
  const meta = node?.metadata as Record<string, unknown> | undefined;
  if (typeof meta?.ISTIO_VERSION === 'string') return meta.ISTIO_VERSION;
  return 'unknown';
}
