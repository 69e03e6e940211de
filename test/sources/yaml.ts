/** Builders for small test objects, and a way to find the line a marker is on. */

/** 1-based line of the first line containing `marker` (asserting lines without hard-coding them). */
export function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${JSON.stringify(marker)} not in text`);
  return i + 1;
}

/** Indents every line of a (trimmed) block by `n` spaces. */
export function indent(block: string, n: number): string {
  const pad = ' '.repeat(n);
  return block.trim().split('\n').map((l) => pad + l).join('\n');
}

/** A VirtualService whose `spec` is the given YAML block. */
export function vs(spec: string, name = 'vs', namespace = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${indent(spec, 2)}
`;
}

/** A ServiceEntry whose `spec` is the given YAML block. */
export function se(spec: string, name = 'se', namespace = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${indent(spec, 2)}
`;
}

/** A VirtualService for ok.example.com with one http route carrying the given `retries` block. */
export function vsWithRetries(retries: string): string {
  return vs(`
hosts: [ok.example.com]
http:
- route: [{destination: {host: ok.example.com}}]
  retries:
${indent(retries, 4)}
`);
}

/** A ServiceEntry with one HTTP port on ok.example.com, plus extra spec lines. */
export function httpEntry(extra = 'resolution: DNS', host = 'ok.example.com'): string {
  return se(`
hosts: [${host}]
ports:
- {number: 80, name: http, protocol: HTTP}
${extra}
`);
}
