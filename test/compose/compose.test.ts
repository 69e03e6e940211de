/**
 * docker-compose.yml (issue 6 item 4) parses with Debian's docker-compose (`config` needs no Docker
 * engine) and agrees with the repo: the Envoy image is the version scripts/install-envoy.js pins,
 * envoy/ is mounted and holds the -c file, the addresses in envoy/bootstrap.yaml, the CLI defaults
 * (`ricochet serve|bootstrap|upstream --help`) and examples/local-flaky match what the services are
 * told, everything that uses 127.0.0.1 shares the controlplane's network namespace, and nothing
 * listens twice. Each fact is read from its source (test/compose/repoFacts.ts), and the checker is
 * shown to fail on broken copies, so a green run means something.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ComposeConfigError, composeConfig, requireDockerCompose } from '../support/dockerCompose';
import { repoPath } from '../support/paths';
import { checkAgreement } from './agreement';
import { composeModel, type ComposeModel, type Service } from './composeModel';
import { loadRepoFacts, parseDockerfile, type RepoFacts } from './repoFacts';

describe('docker-compose.yml (docker-compose config)', function () {
  this.timeout(60_000);
  let config: unknown;
  let facts: RepoFacts;
  let scratch: string;

  before(async function () {
    requireDockerCompose(this);
    facts = loadRepoFacts();
    config = (await composeConfig(repoPath('docker-compose.yml'))).config;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ricochet-compose-'));
  });

  after(() => {
    if (scratch && process.env.RICOCHET_KEEP_TMP !== '1') fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A fresh model of the real config, for a test to break. */
  const model = (): ComposeModel => composeModel(structuredClone(config));
  const service = (m: ComposeModel, pred: (s: Service) => boolean): Service => {
    const s = [...m.values()].find(pred);
    assert.ok(s, 'service not found in the compose model');
    return s;
  };
  const runs = (command: string) => (s: Service) => s.command[0] === command;
  const isEnvoy = (s: Service) => (s.image ?? '').startsWith('envoyproxy/envoy:');

  it('agrees with the Envoy pin, envoy/bootstrap.yaml, the CLI defaults, examples/local-flaky and the Dockerfile', () => {
    const problems = checkAgreement(model(), facts);
    assert.deepEqual(problems, [], `docker-compose.yml disagrees with the repo:\n- ${problems.join('\n- ')}`);
  });

  it('runs the services the issue asks for: control plane, official Envoy, flaky upstream, load client, demo', () => {
    const m = model();
    for (const command of ['serve', 'upstream', 'load', 'demo']) service(m, runs(command));
    const envoy = service(m, isEnvoy);
    assert.equal(envoy.image, `envoyproxy/envoy:v${facts.envoyPin}`);
    // One-shot tools stay out of `docker compose up`; the long-running ones are in it.
    assert.ok(service(m, runs('load')).profiles.length > 0 && service(m, runs('demo')).profiles.length > 0);
    assert.deepEqual([service(m, runs('serve')), service(m, runs('upstream')), envoy].map((s) => s.profiles), [[], [], []]);
  });

  it('fails on a copy of the file whose Envoy tag is not the pinned one (docker-compose config, then the checker)', async () => {
    const text = fs.readFileSync(repoPath('docker-compose.yml'), 'utf8');
    const pinned = `envoyproxy/envoy:v${facts.envoyPin}`;
    const mutated = text.split(pinned).join('envoyproxy/envoy:v1.0.0');
    assert.notEqual(mutated, text, `docker-compose.yml does not name ${pinned}`);
    const file = path.join(scratch, 'wrong-tag.yml');
    fs.writeFileSync(file, mutated);
    const problems = checkAgreement(composeModel((await composeConfig(file, { projectDir: repoPath() })).config), facts);
    assert.ok(problems.some((p) => p.includes('envoyproxy/envoy:v1.0.0') && p.includes(facts.envoyPin)), problems.join('\n'));
  });

  it('fails when the Envoy service mounts another directory than envoy/', () => {
    const m = model();
    const envoy = service(m, isEnvoy);
    envoy.mounts = envoy.mounts.map((x) => ({ ...x, source: repoPath('examples') }));
    const problems = checkAgreement(m, facts);
    assert.ok(problems.some((p) => p.includes('mounts') && p.includes(repoPath('envoy'))), problems.join('\n'));
  });

  it('fails when the controlplane also runs its in-process data plane (a second listener on Envoy\'s addresses)', () => {
    const m = model();
    service(m, runs('serve')).command.push('--dataplane');
    const problems = checkAgreement(m, facts);
    assert.ok(problems.some((p) => /taken twice in the shared network namespace/.test(p)), problems.join('\n'));
  });

  it('fails when a service using 127.0.0.1 has its own network namespace, or load misses the egress listener', () => {
    const m = model();
    service(m, runs('upstream')).networkMode = undefined;
    const load = service(m, runs('load'));
    load.command = load.command.map((a) => a.replace(/^127\.0\.0\.1:\d+$/, '127.0.0.1:1'));
    const problems = checkAgreement(m, facts);
    assert.ok(problems.some((p) => p.includes('uses 127.0.0.1') && p.includes('own namespace')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('--proxy 127.0.0.1:1')), problems.join('\n'));
  });

  it('fails when a service passes a flag its ricochet command does not take, or calls a host the sources do not declare', () => {
    const m = model();
    const load = service(m, runs('load'));
    load.command = [...load.command.map((a) => (/^https?:\/\//.test(a) ? 'http://nowhere.local/' : a)), '--no-such-flag'];
    const problems = checkAgreement(m, facts);
    assert.ok(problems.some((p) => p.includes('--no-such-flag') && p.includes('ricochet load --help')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('nowhere.local')), problems.join('\n'));
  });

  it('fails when the Dockerfile takes Envoy from another tag than the pin', () => {
    const text = fs.readFileSync(repoPath('Dockerfile'), 'utf8').split(`envoyproxy/envoy:v${facts.envoyPin}`).join('envoyproxy/envoy:v1.0.0');
    const problems = checkAgreement(model(), { ...facts, dockerfile: parseDockerfile(text) });
    assert.ok(problems.some((p) => p.includes('Dockerfile takes Envoy from envoyproxy/envoy:v1.0.0')), problems.join('\n'));
  });

  it('docker-compose config refuses a badly indented file, and says why', async () => {
    const file = path.join(scratch, 'bad-indent.yml');
    fs.writeFileSync(file, 'services:\n  controlplane:\n    image: ricochet:dev\n   command: [serve]\n');
    const err = await composeConfig(file).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ComposeConfigError, `expected docker-compose config to refuse the file, got ${String(err)}`);
    assert.notEqual(err.code, 0);
    // The message is docker-compose's own (a YAML parse error naming the line), shown in the report.
    assert.match(err.output, /line 4|yaml|mapping/i, err.message);
    process.stdout.write(`      docker-compose said: ${err.output.trim().split('\n').join(' | ')}\n`);
  });
});
