import * as fs from 'node:fs';
import * as path from 'node:path';

/** Summarizes V8 .cpuprofile files (node --cpu-prof): self time per function, idle excluded. */

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfiles(dir: string, top: number, select: (file: string) => boolean = () => true): string {
  if (!fs.existsSync(dir)) return '(no profile written)';
  const self = new Map<string, number>();
  let total = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && select(f))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const label = new Map<number, string>();
    for (const n of profile.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
      label.set(n.id, `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`);
    }
    profile.samples.forEach((id, i) => {
      const name = label.get(id) ?? '?';
      if (name.startsWith('(idle)')) return;
      const dt = profile.timeDeltas[i] ?? 0;
      self.set(name, (self.get(name) ?? 0) + dt);
      total += dt;
    });
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`busy ${(total / 1000).toFixed(0)} ms sampled`, '| self ms | % | function |', '| ---: | ---: | --- |'];
  for (const [name, us] of rows) lines.push(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | ${name.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}
