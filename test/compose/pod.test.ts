/**
 * The services of docker-compose.yml actually work together, not only agree on paper: each runs
 * with its exact command and addresses from `docker-compose config`, in one fresh network
 * namespace as `network_mode: service:controlplane` gives them (test/compose/pod.ts), in the order
 * `docker compose up` would start them, waiting on each healthcheck as Docker does. Then
 * `docker compose run --rm load` (its command) must get the walkthrough's promise: the
 * VirtualService in examples/local-flaky retries 5xx, so through Envoy the client sees 200s while
 * the upstream fails 25% of first tries, and Envoy counts the retries (docs/docker.md). What this
 * cannot check without Docker: the images themselves (the Dockerfile), and the Envoy container's
 * entrypoint.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { composeConfig, requireDockerCompose } from '../support/dockerCompose';
import { requireEnvoy } from '../support/envoy';
import { repoPath } from '../support/paths';
import { requireTool } from '../support/requireTool';
import { dockerEntrypoint } from './agreement';
import { composeModel, flagValue, type ComposeModel, type Service } from './composeModel';
import { hostArgv, imageWorkdir, netnsSupport, Pod } from './pod';
import { bootstrapFacts, loadRepoFacts, type RepoFacts } from './repoFacts';

describe('docker-compose.yml services in one network namespace (compose up, then run --rm load)', function () {
  this.timeout(120_000);
  let pod: Pod | undefined;
  let model: ComposeModel;
  let facts: RepoFacts;
  let envoyBin: string;
  let workdir: string | undefined;

  before(async function () {
    requireDockerCompose(this);
    envoyBin = requireEnvoy(this);
    requireTool(this, 'NETNS', netnsSupport(), { capability: true });
    facts = loadRepoFacts();
    model = composeModel((await composeConfig(repoPath('docker-compose.yml'))).config);
    workdir = imageWorkdir(facts.dockerfile);
    pod = await Pod.start(workdir);
  });

  after(async () => {
    await pod?.close();
    if (workdir && process.env.RICOCHET_KEEP_TMP !== '1') fs.rmSync(workdir, { recursive: true, force: true });
  });

  const ours = (s: Service) => s.buildContext !== undefined || [...model.values()].some((b) => b.buildContext !== undefined && b.image === s.image);
  const isEnvoy = (s: Service) => (s.image ?? '').startsWith('envoyproxy/envoy:');
  const bins = () => ({ node: process.execPath, envoy: envoyBin });

  /** The service's argv on this host. Envoy gets --disable-hot-restart: a container has its own /dev/shm, processes here share one. */
  function argvOf(s: Service): string[] {
    const argv = [...(s.entrypoint ?? (ours(s) ? dockerEntrypoint(facts.dockerfile) : [])), ...s.command];
    return [...hostArgv(argv, s.mounts, bins()), ...(isEnvoy(s) ? ['--disable-hot-restart'] : [])];
  }

  /** Services `docker compose up` starts (no profile), dependencies first. */
  function upOrder(): Service[] {
    const order: Service[] = [];
    const visit = (s: Service, seen: Set<string>) => {
      if (order.includes(s)) return;
      assert.ok(!seen.has(s.name), `depends_on cycle at ${s.name}`);
      seen.add(s.name);
      const implicit = s.networkMode?.startsWith('service:') ? [s.networkMode.slice('service:'.length)] : [];
      for (const d of [...s.dependsOn, ...implicit]) visit(model.get(d) as Service, seen);
      order.push(s);
    };
    for (const s of model.values()) if (s.profiles.length === 0) visit(s, new Set());
    return order;
  }

  it('every long-running service comes up healthy, the load gets (nearly) all 200s, Envoy counts the retries, proxy-status shows it SYNCED', async () => {
    const p = pod as Pod;
    const started = upOrder();
    assert.deepEqual(started.map((s) => s.profiles), started.map(() => []));
    for (const s of started) {
      const proc = p.spawn(s.name, argvOf(s));
      if (s.healthcheck) await p.waitHealthy(s.name, hostArgv(s.healthcheck, s.mounts, bins()), proc);
      else await new Promise((r) => setTimeout(r, 500));
      assert.ok(proc.running, proc.failure('exited right after starting').message);
    }

    const load = [...model.values()].find((s) => s.command[0] === 'load');
    assert.ok(load, 'no load service');
    const run = await p.run('load', argvOf(load), 60_000);
    assert.equal(run.code, 0, `load exited ${String(run.code)}:\n${run.output}`);
    const codes = new Map([...run.output.matchAll(/^Code\s+(-?\d+)\s*:\s*(\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    const calls = Number(flagValue(load.command, '-n'));
    assert.equal([...codes.values()].reduce((a, b) => a + b, 0), calls, `the table does not add up to -n ${calls}:\n${run.output}`);
    // 25% 503 and 4 retries: a call fails only if all 5 tries do (0.25^5 ≈ 0.1%).
    assert.ok((codes.get(200) ?? 0) >= calls - 2, `expected the retries to turn (nearly) every 503 into a 200:\n${run.output}`);

    const envoy = [...model.values()].find(isEnvoy) as Service;
    const boot = bootstrapFacts(hostArgv([flagValue(envoy.command, '-c') ?? ''], envoy.mounts, {})[0]);
    const stats = await p.run('envoy stats', [process.execPath, '-e', `fetch('http://${boot.adminAddress}/stats?filter=upstream_rq_retry$').then((r) => r.text()).then((t) => process.stdout.write(t))`]);
    const retries = [...stats.output.matchAll(/^cluster\.[^:]+\.upstream_rq_retry: (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    assert.ok(retries > 0, `the 200s came without a retry: Envoy's stats say\n${stats.output}`);
    process.stdout.write(`      load: ${[...codes].map(([c, n]) => `Code ${c} : ${n}`).join(', ')}; Envoy upstream_rq_retry ${retries}\n`);

    const cp = [...model.values()].find((s) => s.command[0] === 'serve') as Service;
    const ps = await p.run('proxy-status', [...hostArgv(dockerEntrypoint(facts.dockerfile), cp.mounts, bins()), 'proxy-status']);
    assert.equal(ps.code, 0, ps.output);
    assert.match(ps.output, /app\.default.*SYNCED/, ps.output);
  });
});
