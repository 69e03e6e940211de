/**
 * Does docker-compose.yml agree with the repo? Every fact is read from its source (the Envoy pin,
 * envoy/bootstrap.yaml, the CLI's own --help defaults, examples/local-flaky, the Dockerfile), never
 * repeated here, and every disagreement is reported as a sentence naming both sides. An empty list
 * means they agree. Pure over (model, facts) but for reading the files the config names, so a test
 * can run it on a deliberately broken copy of the parse and see it fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flagValue, type ComposeModel, type Service } from './composeModel';
import { bootstrapFacts, dockerignored, sourcesFacts, type BootstrapFacts, type RepoFacts, type Stage } from './repoFacts';

const ENVOY_IMAGE = 'envoyproxy/envoy';
const LOOPBACK = /\b(127\.0\.0\.1|localhost)\b/;

/** Every disagreement between the compose model and the repo; [] when they agree. */
export function checkAgreement(model: ComposeModel, facts: RepoFacts): string[] {
  const problems: string[] = [];
  const ctx = new Context(model, facts, problems);
  const cp = ctx.ricochetService('serve');
  const envoy = checkEnvoy(ctx);
  checkDockerfile(ctx);
  checkRicochetCommands(ctx);
  if (!cp) return problems;
  const serve = ctx.effective(cp, 'serve');
  const boot = envoy ? envoyBootstrap(ctx, envoy) : undefined;
  if (boot) checkBootstrap(ctx, boot, serve);
  const sourcesDir = serve.get('--sources');
  const sources = sourcesDir !== undefined ? checkSources(ctx, sourcesDir) : undefined;
  checkUpstream(ctx, sources);
  checkLoad(ctx, serve, sources, boot);
  checkNamespaces(ctx, cp);
  checkPorts(ctx, cp, serve, envoy, boot);
  return problems;
}

class Context {
  constructor(readonly model: ComposeModel, readonly facts: RepoFacts, readonly problems: string[]) {}

  fail(message: string): void {
    this.problems.push(message);
  }

  /** Services run from our image: built from the repo root, or using the image such a service builds. */
  ricochetServices(): Service[] {
    const built = new Set([...this.model.values()].filter((s) => this.buildsOurs(s)).map((s) => s.image));
    return [...this.model.values()].filter((s) => this.buildsOurs(s) || (s.image !== undefined && built.has(s.image)));
  }

  buildsOurs(s: Service): boolean {
    return s.buildContext !== undefined && path.resolve(s.buildContext) === path.resolve(this.facts.root);
  }

  /** argv inside the container: the compose entrypoint or the Dockerfile's ENTRYPOINT, then the command. */
  argv(s: Service): string[] {
    return [...(s.entrypoint ?? dockerEntrypoint(this.facts.dockerfile)), ...s.command];
  }

  /** The ricochet subcommand a service of our image runs (argv after `node bin/ricochet.js`). */
  subcommand(s: Service): string | undefined {
    return this.argv(s)[2];
  }

  /** The one service running `ricochet <command>`, reporting none or several. */
  ricochetService(command: string): Service | undefined {
    const found = this.ricochetServices().filter((s) => this.subcommand(s) === command);
    if (found.length !== 1) this.fail(`expected exactly one service running \`ricochet ${command}\`, found ${found.length}${found.length ? ` (${found.map((s) => s.name).join(', ')})` : ''}`);
    return found[0];
  }

  /** Each long flag's value in the service's command, else the CLI's default for it. */
  effective(s: Service, command: string): Map<string, string> {
    const help = this.facts.help(command);
    const values = new Map<string, string>('defaults' in help ? help.defaults : []);
    const argv = this.argv(s);
    for (const flag of 'flags' in help ? help.flags : []) {
      const v = flagValue(argv, flag);
      if (v !== undefined && flag.startsWith('--')) values.set(flag, v);
    }
    return values;
  }

  /** `ricochet <command> --help`'s default for a flag, reporting when the CLI has none. */
  cliDefault(command: string, flag: string): string | undefined {
    const help = this.facts.help(command);
    const d = 'defaults' in help ? help.defaults.get(flag) : undefined;
    if (d === undefined) this.fail(`\`ricochet ${command} --help\` shows no default for ${flag}`);
    return d;
  }
}

/** The last stage's ENTRYPOINT (JSON form), the argv every service of our image starts with. */
export function dockerEntrypoint(stages: Stage[]): string[] {
  const last = stages[stages.length - 1];
  return [...(last?.instructions ?? [])].reverse().find((i) => i.keyword === 'ENTRYPOINT')?.words ?? [];
}

/** The envoy service: the official image at the pinned version, its -c file mounted from envoy/. */
function checkEnvoy(ctx: Context): Service | undefined {
  const envoys = [...ctx.model.values()].filter((s) => (s.image ?? '').split(':')[0] === ENVOY_IMAGE);
  if (envoys.length !== 1) {
    ctx.fail(`expected exactly one service from ${ENVOY_IMAGE}, found ${envoys.length}`);
    return undefined;
  }
  const envoy = envoys[0];
  const want = `${ENVOY_IMAGE}:v${ctx.facts.envoyPin}`;
  if (envoy.image !== want) ctx.fail(`service ${envoy.name} uses ${envoy.image}, but scripts/install-envoy.js pins Envoy ${ctx.facts.envoyPin} (${want})`);
  return envoy;
}

/** The bootstrap the envoy service starts with, found on the host through its mount. */
function envoyBootstrap(ctx: Context, envoy: Service): BootstrapFacts | undefined {
  const argv = envoy.command;
  const config = flagValue(argv, '-c') ?? flagValue(argv, '--config-path');
  if (config === undefined) {
    ctx.fail(`service ${envoy.name} runs \`${argv.join(' ')}\` without -c <bootstrap>`);
    return undefined;
  }
  const mount = envoy.mounts.find((m) => config === m.target || config.startsWith(`${m.target.replace(/\/$/, '')}/`));
  if (!mount) {
    ctx.fail(`service ${envoy.name}'s bootstrap ${config} is under no mount (mounts: ${envoy.mounts.map((m) => `${m.source}:${m.target}`).join(', ') || 'none'})`);
    return undefined;
  }
  const envoyDir = path.join(ctx.facts.root, 'envoy');
  if (path.resolve(mount.source) !== envoyDir) ctx.fail(`service ${envoy.name} mounts ${mount.source} at ${mount.target}, but the repo's Envoy bootstrap lives in ${envoyDir}`);
  const hostFile = path.join(mount.source, path.relative(mount.target, config));
  if (!fs.existsSync(hostFile)) {
    ctx.fail(`service ${envoy.name} starts Envoy with -c ${config}, which is ${hostFile} on the host: it does not exist`);
    return undefined;
  }
  return bootstrapFacts(hostFile);
}

/** ADS and admin in the bootstrap == what the controlplane serves == `ricochet bootstrap`'s defaults. */
function checkBootstrap(ctx: Context, boot: BootstrapFacts, serve: Map<string, string>): void {
  const xds = serve.get('--xds-address');
  if (boot.adsAddress !== xds) ctx.fail(`the Envoy bootstrap dials ADS at ${boot.adsAddress}, but the controlplane serves it on ${String(xds)}`);
  const bootstrapXds = ctx.cliDefault('bootstrap', '--xds-address');
  if (bootstrapXds !== undefined && boot.adsAddress !== bootstrapXds) ctx.fail(`the Envoy bootstrap dials ADS at ${boot.adsAddress}, but \`ricochet bootstrap\` defaults --xds-address to ${bootstrapXds}`);
  const serveXds = ctx.cliDefault('serve', '--xds-address');
  if (serveXds !== undefined && boot.adsAddress !== serveXds) ctx.fail(`the Envoy bootstrap dials ADS at ${boot.adsAddress}, but \`ricochet serve\` defaults --xds-address to ${serveXds}`);
  const adminPort = ctx.cliDefault('bootstrap', '--admin-port');
  if (adminPort !== undefined && boot.adminAddress !== `127.0.0.1:${adminPort}`) ctx.fail(`the Envoy bootstrap's admin is ${boot.adminAddress}, but \`ricochet bootstrap\` puts it on 127.0.0.1:${adminPort}`);
}

/** The controlplane's --sources directory exists and the image carries it. */
function checkSources(ctx: Context, dir: string): ReturnType<typeof sourcesFacts> | undefined {
  const abs = path.resolve(ctx.facts.root, dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    ctx.fail(`the controlplane serves --sources ${dir}, which is not a directory of the repo (${abs})`);
    return undefined;
  }
  const copied = finalStage(ctx).instructions.some((i) => i.keyword === 'COPY' && !i.flags.has('from') && i.words.slice(0, -1).some((src) => isUnder(dir, src)));
  if (!copied) ctx.fail(`the controlplane serves --sources ${dir}, but the Dockerfile's last stage copies no source containing it`);
  return sourcesFacts(abs);
}

function isUnder(rel: string, parent: string): boolean {
  const a = path.normalize(rel).replace(/\/$/, '');
  const p = path.normalize(parent).replace(/\/$/, '');
  return p === '.' || a === p || a.startsWith(`${p}/`);
}

/** upstream's address == `ricochet upstream`'s default == an endpoint the sources declare. */
function checkUpstream(ctx: Context, sources: ReturnType<typeof sourcesFacts> | undefined): void {
  const up = ctx.ricochetService('upstream');
  if (!up) return;
  const address = ctx.effective(up, 'upstream').get('--address');
  const def = ctx.cliDefault('upstream', '--address');
  if (def !== undefined && address !== def) ctx.fail(`service ${up.name} listens on ${String(address)}, but \`ricochet upstream\` defaults to ${def}`);
  if (sources && address !== undefined && !sources.endpoints.has(address)) {
    ctx.fail(`service ${up.name} listens on ${address}, but the controlplane's sources declare endpoints ${[...sources.endpoints].join(', ') || '(none)'}`);
  }
}

/** load goes through the sidecar's egress listener to a host the sources declare. */
function checkLoad(ctx: Context, serve: Map<string, string>, sources: ReturnType<typeof sourcesFacts> | undefined, boot: BootstrapFacts | undefined): void {
  const load = ctx.ricochetService('load');
  if (!load) return;
  const argv = ctx.argv(load);
  const proxy = flagValue(argv, '--proxy');
  const egress = serve.get('--egress-address');
  const egressDefault = ctx.cliDefault('serve', '--egress-address');
  if (proxy !== egress) ctx.fail(`service ${load.name} sends its load to --proxy ${String(proxy)}, but the controlplane gives sidecars their egress listener on ${String(egress)}`);
  if (egressDefault !== undefined && egress !== egressDefault) ctx.fail(`the controlplane moves --egress-address to ${String(egress)} (default ${egressDefault}): the CLI defaults would not match inside compose`);
  if (boot && boot.role !== undefined && boot.role !== 'sidecar') ctx.fail(`the Envoy bootstrap's ROLE is ${boot.role}: only a sidecar gets the egress listener service ${load.name} sends to`);
  const url = argv.slice(3).find((a) => /^https?:\/\//.test(a));
  if (!url) return ctx.fail(`service ${load.name} names no http:// URL to load`);
  const host = new URL(url).hostname;
  if (sources && !sources.hosts.has(host)) ctx.fail(`service ${load.name} calls ${host}, which the controlplane's sources do not declare (${[...sources.hosts].join(', ')})`);
  if (load.profiles.length === 0) ctx.fail(`service ${load.name} is one-shot but has no profile, so \`docker compose up\` would run it and end with it`);
}

/** Whoever talks to 127.0.0.1 must share the controlplane's network namespace (the pod model). */
function checkNamespaces(ctx: Context, cp: Service): void {
  if (cp.networkMode !== undefined) ctx.fail(`service ${cp.name} owns the shared network namespace, so it must not set network_mode (it has ${cp.networkMode})`);
  for (const s of ctx.model.values()) {
    if (s === cp) continue;
    const words = [...s.command, ...(s.entrypoint ?? []), ...(s.healthcheck ?? [])];
    if (!words.some((w) => LOOPBACK.test(w))) continue;
    if (s.networkMode !== `service:${cp.name}`) ctx.fail(`service ${s.name} uses 127.0.0.1 but network_mode is ${s.networkMode ?? '(its own namespace)'}, not service:${cp.name}: its loopback is not the controlplane's`);
  }
}

/** No two listeners on one address in the shared namespace, and no host port published twice. */
function checkPorts(ctx: Context, cp: Service, serve: Map<string, string>, envoy: Service | undefined, boot: BootstrapFacts | undefined): void {
  const listeners: Array<[string, string | undefined]> = [
    [`${cp.name} ADS (--xds-address)`, serve.get('--xds-address')],
    [`${cp.name} admin API (--admin-address)`, serve.get('--admin-address')],
  ];
  if (ctx.argv(cp).includes('--dataplane')) {
    listeners.push([`${cp.name} in-process data plane admin`, serve.get('--dataplane-admin-address')], [`${cp.name} in-process data plane egress`, serve.get('--egress-address')]);
  }
  if (envoy && boot) listeners.push([`${envoy.name} admin`, boot.adminAddress], [`${envoy.name} egress listener`, serve.get('--egress-address')]);
  const up = ctx.ricochetServices().find((s) => ctx.subcommand(s) === 'upstream');
  if (up) listeners.push([`${up.name} (--address)`, ctx.effective(up, 'upstream').get('--address')]);
  reportDuplicates(ctx, listeners, 'in the shared network namespace');
  const published = [...ctx.model.values()].flatMap((s) => s.ports.map((p): [string, string] => [`${s.name} (${p.target})`, `${p.hostIp || '0.0.0.0'}:${p.published}`]));
  reportDuplicates(ctx, published, 'on the host');
}

function reportDuplicates(ctx: Context, entries: Array<[string, string | undefined]>, where: string): void {
  const byAddress = new Map<string, string[]>();
  for (const [who, address] of entries) if (address !== undefined) byAddress.set(address, [...(byAddress.get(address) ?? []), who]);
  for (const [address, who] of byAddress) if (who.length > 1) ctx.fail(`${address} is taken twice ${where}: ${who.join(' and ')}`);
}

/** Every service of our image runs a real ricochet command with flags that command has. */
function checkRicochetCommands(ctx: Context): void {
  const ours = ctx.ricochetServices();
  const images = new Set(ours.map((s) => s.image));
  if (images.size > 1) ctx.fail(`the services of our image use different tags: ${[...images].join(', ')}`);
  for (const s of ours) {
    const argv = ctx.argv(s);
    if (argv[0] !== 'node' || argv[1] !== 'bin/ricochet.js' || !fs.existsSync(path.join(ctx.facts.root, argv[1]))) {
      ctx.fail(`service ${s.name} runs \`${argv.join(' ')}\`, not \`node bin/ricochet.js <command>\``);
      continue;
    }
    const command = argv[2];
    const help = ctx.facts.help(command);
    if ('missing' in help) {
      ctx.fail(`service ${s.name} runs \`ricochet ${command}\`: ${help.missing}`);
      continue;
    }
    for (const flag of argv.slice(3).filter((a) => /^--?[a-zA-Z]/.test(a)).map((a) => a.split('=')[0])) {
      if (!help.flags.has(flag)) ctx.fail(`service ${s.name} passes ${flag}, which \`ricochet ${command} --help\` does not list`);
    }
  }
}

function finalStage(ctx: Context): Stage {
  return ctx.facts.dockerfile[ctx.facts.dockerfile.length - 1] ?? { image: '', instructions: [] };
}

/** The Dockerfile: Envoy from the pinned official image, ENVOY_BIN pointing at it, sources that exist and are not ignored. */
function checkDockerfile(ctx: Context): void {
  const stages = ctx.facts.dockerfile;
  const want = `${ENVOY_IMAGE}:v${ctx.facts.envoyPin}`;
  const envoyStages = stages.filter((s) => s.image.split(':')[0] === ENVOY_IMAGE);
  for (const s of envoyStages) if (s.image !== want) ctx.fail(`the Dockerfile takes Envoy from ${s.image}, but scripts/install-envoy.js pins ${want}`);
  const last = finalStage(ctx);
  const fromEnvoy = last.instructions.find((i) => i.keyword === 'COPY' && envoyStages.some((s) => i.flags.get('from') === s.alias || i.flags.get('from') === s.image));
  if (!fromEnvoy) ctx.fail(`the Dockerfile's last stage copies no Envoy binary from ${want}`);
  const envoyBin = last.instructions.filter((i) => i.keyword === 'ENV').map((i) => /\bENVOY_BIN[= ](\S+)/.exec(i.args)?.[1]).find((v) => v !== undefined);
  if (fromEnvoy && envoyBin !== fromEnvoy.words[fromEnvoy.words.length - 1]) ctx.fail(`the Dockerfile copies Envoy to ${fromEnvoy.words[fromEnvoy.words.length - 1]} but sets ENVOY_BIN=${String(envoyBin)}`);
  for (const stage of stages) {
    for (const i of stage.instructions.filter((x) => (x.keyword === 'COPY' || x.keyword === 'ADD') && !x.flags.has('from'))) {
      for (const src of i.words.slice(0, -1)) {
        if (!fs.existsSync(path.join(ctx.facts.root, src))) ctx.fail(`the Dockerfile copies ${src}, which is not in the repo`);
        else if (dockerignored(src, ctx.facts.dockerignore)) ctx.fail(`the Dockerfile copies ${src}, which .dockerignore leaves out of the build context`);
      }
    }
  }
}
