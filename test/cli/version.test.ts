import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { get } from '../support/http';
import { startApiServer, type ApiServer } from '../support/kubectl';
import { repoPath } from '../support/paths';
import { commandName } from '../../src/cli/main';
import { removeDir, ricochet, said, scratchDir } from './cliHarness';

const VERSION = (JSON.parse(fs.readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;

/** The repo modules and packages a command loads, from the module cache at exit. */
function modulesLoadedBy(args: string[]): string[] {
  const script = `
    process.on('exit', () => process.stderr.write('\\nMODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));
    require(${JSON.stringify(repoPath('dist', 'src', 'cli', 'main.js'))}).main(['node', 'ricochet', ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: repoPath(), env: { ...process.env, RICOCHET_SERVER: undefined } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES '));
  assert.ok(line, r.stderr);
  return JSON.parse(line.slice('MODULES '.length)) as string[];
}

describe('cli: ricochet version', function () {
  this.timeout(30_000);

  it('--client: the package version, no server contacted', async () => {
    const r = await ricochet(['version', '--client'], { server: 'http://127.0.0.1:1' });
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, `client version: ${VERSION}\n`);
    assert.equal(r.stderr, '');
  });

  it('loads only its own command: no control plane, xDS, sources, fastify or gRPC modules', () => {
    const loaded = modulesLoadedBy(['version', '--client']);
    const heavy = loaded.filter((m) => /[/\\](controlplane|xds|sources|dataplane|admin|store)[/\\]|node_modules[/\\](fastify|@grpc|protobufjs|yaml|pino|rxjs)[/\\]/.test(m));
    assert.deepEqual(heavy, []);
    // The loader itself works: `serve --help` does load the control plane.
    assert.ok(modulesLoadedBy(['serve', '--help']).some((m) => /[/\\]controlplane[/\\]/.test(m)));
  });

  it('the command is found after global options (--server URL, --token-file F)', () => {
    assert.equal(commandName(['--server', 'http://x:1', 'get', 'vs']), 'get');
    assert.equal(commandName(['--token-file', 't', '--server=http://x', 'ps']), 'ps');
    assert.equal(commandName(['help', 'apply']), 'apply');
    assert.equal(commandName(['--help']), undefined);
  });

  it('no server: the client version, and why there is no control plane version; exit 0', async () => {
    const r = await ricochet(['version'], { server: 'http://127.0.0.1:1' });
    assert.equal(r.status, 0, said(r));
    assert.equal(r.stdout, `client version: ${VERSION}\ncontrol plane version: unavailable: cannot reach the Ricochet admin API at http://127.0.0.1:1 (ECONNREFUSED); is \`ricochet serve\` running there? Set --server or RICOCHET_SERVER\n`);
  });

  it('--token-file sends `Authorization: Bearer <first line>`; RICOCHET_SERVER names the server when --server does not', async () => {
    const seen: Array<string | undefined> = [];
    const fake = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/version') res.end(JSON.stringify({ gitVersion: 'v9.9.9' }));
      else res.end('[]');
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const dir = scratchDir({ token: 's3cret-token\nsecond line is ignored\n' });
    try {
      const url = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const r = await ricochet(['--token-file', path.join(dir, 'token'), 'version'], { env: { RICOCHET_SERVER: url } });
      assert.equal(r.status, 0, said(r));
      assert.equal(r.stdout, `client version: ${VERSION}\ncontrol plane version: 9.9.9\n`);
      assert.deepEqual(seen, ['Bearer s3cret-token', 'Bearer s3cret-token']); // /version, /debug/syncz
      const empty = scratchDir({ token: '\n' });
      const bad = await ricochet(['--token-file', path.join(empty, 'token'), 'version'], { server: `http://${url}` });
      removeDir(empty);
      assert.notEqual(bad.status, 0, said(bad));
      assert.match(bad.stderr, /--token-file .*token: the file is empty/);
    } finally {
      fake.close();
      removeDir(dir);
    }
  });

  describe('against ricochet serve', () => {
    let api: ApiServer;
    before(async () => {
      api = await startApiServer();
    });
    after(async () => api?.close());

    it('the control plane\'s version from GET /version when it serves one; otherwise says it has none', async () => {
      const res = await get(`${api.url}/version`);
      const r = await ricochet(['version'], { server: api.url });
      assert.equal(r.status, 0, said(r));
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines[0], `client version: ${VERSION}`);
      if (res.status === 200) {
        const body = JSON.parse(res.body) as { gitVersion?: string; version?: string };
        assert.equal(lines[1], `control plane version: ${(body.gitVersion ?? body.version ?? '').replace(/^v/, '')}`);
      } else {
        assert.equal(lines[1], `control plane version: unavailable: the admin API at ${api.url} has no /version endpoint`);
      }
      assert.equal(lines.length, 2, 'no data plane line without connected proxies');
    });

    it('-o json: the same facts as fields', async () => {
      const r = await ricochet(['version', '-o', 'json'], { server: api.url });
      assert.equal(r.status, 0, said(r));
      const info = JSON.parse(r.stdout) as { clientVersion: string; server: string; dataPlane?: unknown[] };
      assert.equal(info.clientVersion, VERSION);
      assert.equal(info.server, api.url);
    });
  });
});
