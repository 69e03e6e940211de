/** Istio as a source system: the kinds it reads and how they compile (spec/sources-istio.md). */
import type { SourceSystem } from '../registry';
import { compileIstio, istioRegistry } from './compile';
import { validateDestinationRule } from './destinationRule';
import { validateServiceEntry } from './serviceEntry';
import { ISTIO_GROUP, ISTIO_VERSIONS } from './validation';
import { validateVirtualService } from './virtualService';

export const istioSystem: SourceSystem = {
  name: 'istio',
  kinds: [
    { group: ISTIO_GROUP, kind: 'ServiceEntry', versions: ISTIO_VERSIONS, validate: validateServiceEntry },
    { group: ISTIO_GROUP, kind: 'VirtualService', versions: ISTIO_VERSIONS, validate: validateVirtualService },
    { group: ISTIO_GROUP, kind: 'DestinationRule', versions: ISTIO_VERSIONS, validate: validateDestinationRule },
  ],
  registry: istioRegistry,
  compile: compileIstio,
  knownUnsupportedKinds: ['Gateway', 'Sidecar', 'WorkloadEntry', 'WorkloadGroup', 'EnvoyFilter', 'ProxyConfig'],
};

export { istioDefaultRetryPolicy, parseRetryOn, retryPolicyFromVirtualService } from './retryPolicy';
export type { IstioRetries } from './retryPolicy';
