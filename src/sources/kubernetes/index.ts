/**
 * The Kubernetes registry as a source system: core/v1 Service, Endpoints and Pod, and
 * discovery.k8s.io/v1 EndpointSlice (DESIGN.md, service registry; docs/sources/kubernetes.md).
 * It declares services only: routes and retries for them come from the policy systems, and a
 * Service no policy touches gets none (or Istio's default with `--default-retry-policy istio`).
 */
import type { SourceSystem } from '../registry';
import { kubernetesRegistry } from './compile/registry';
import { validateEndpoints } from './endpoints';
import { DISCOVERY_GROUP, validateEndpointSlice } from './endpointSlice';
import { validatePod } from './pod';
import { validateService } from './service';

const CORE_GROUP = '';

export const kubernetesSystem: SourceSystem = {
  name: 'kubernetes',
  kinds: [
    { group: CORE_GROUP, kind: 'Service', versions: ['v1'], scope: 'Namespaced', validate: validateService },
    { group: CORE_GROUP, kind: 'Endpoints', versions: ['v1'], scope: 'Namespaced', validate: validateEndpoints },
    { group: DISCOVERY_GROUP, kind: 'EndpointSlice', versions: ['v1'], scope: 'Namespaced', validate: validateEndpointSlice },
    { group: CORE_GROUP, kind: 'Pod', versions: ['v1'], scope: 'Namespaced', validate: validatePod },
  ],
  registry: kubernetesRegistry,
  compile: () => ({ virtualHosts: [], diagnostics: [] }),
  knownUnsupportedKinds: ['ConfigMap', 'Secret', 'Namespace', 'ServiceAccount', 'Node'],
};
