/** Builders for small Kuma test objects, in both dialects (spec/sources-kuma-fsm.md §1). */
import { indent } from './yaml';

/** A Kubernetes-dialect legacy Retry (cluster-scoped, `mesh` at the top) whose `spec` is the block. */
export function k8sRetry(spec: string, name = 'r', extra = ''): string {
  return `apiVersion: kuma.io/v1alpha1
kind: Retry
mesh: default
metadata:
  name: ${name}
${extra}spec:
${indent(spec, 2)}
`;
}

/** A universal-dialect legacy Retry: fields at the top. */
export function uniRetry(body: string, name = 'r'): string {
  return `type: Retry
name: ${name}
mesh: default
${body.trim()}
`;
}

/** The usual selectors (web → `destination`) plus a `conf` block. */
export function webTo(destination: string, conf: string): string {
  return `sources:
- match:
    kuma.io/service: web
destinations:
- match:
    kuma.io/service: ${destination}
conf:
${indent(conf, 2)}`;
}

/** The usual selectors (web → backend) plus a `conf` block. */
export function webToBackend(conf: string): string {
  return webTo('backend', conf);
}

/** A Kubernetes-dialect MeshRetry in kuma-system whose `spec` is the block. */
export function k8sMeshRetry(spec: string, name = 'mr', namespace = 'kuma-system', labels = ''): string {
  return `apiVersion: kuma.io/v1alpha1
kind: MeshRetry
metadata:
  name: ${name}
  namespace: ${namespace}
${labels ? `  labels:\n${indent(labels, 4)}\n` : ''}spec:
${indent(spec, 2)}
`;
}

/** A universal-dialect MeshRetry. */
export function uniMeshRetry(spec: string, name = 'mr'): string {
  return `type: MeshRetry
name: ${name}
mesh: default
spec:
${indent(spec, 2)}
`;
}

/** `to: [{targetRef: {kind: MeshService, name: backend}, default: <conf>}]`. */
export function toBackend(conf: string, top = ''): string {
  return `${top ? `${top.trim()}\n` : ''}to:
- targetRef:
    kind: MeshService
    name: backend
  default:
${indent(conf, 4)}`;
}

/** A Kubernetes Service with one port and its Endpoints on 127.0.0.1. */
export function service(name: string, opts: { namespace?: string; port?: number; portName?: string; appProtocol?: string; annotations?: Record<string, string>; labels?: Record<string, string>; targetPort?: number } = {}): string {
  const ns = opts.namespace ?? 'default';
  const port = opts.port ?? 80;
  const target = opts.targetPort ?? 8080;
  const map = (m: Record<string, string> | undefined, pad: number): string => Object.entries(m ?? {}).map(([k, v]) => `${' '.repeat(pad)}${k}: ${JSON.stringify(v)}`).join('\n');
  const meta = [
    opts.annotations ? `  annotations:\n${map(opts.annotations, 4)}` : '',
    opts.labels ? `  labels:\n${map(opts.labels, 4)}` : '',
  ].filter(Boolean).join('\n');
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
${meta ? `${meta}\n` : ''}spec:
  ports:
  - port: ${port}
    name: ${opts.portName ?? 'main'}
    targetPort: ${target}
${opts.appProtocol ? `    appProtocol: ${opts.appProtocol}\n` : ''}---
apiVersion: v1
kind: Endpoints
metadata:
  name: ${name}
  namespace: ${ns}
subsets:
- addresses:
  - ip: 127.0.0.1
  ports:
  - port: ${target}
    name: ${opts.portName ?? 'main'}
`;
}
