/** Kubernetes core registry as a source system: Service, Endpoints, EndpointSlice (DESIGN.md, service registry). */
import type { SourceSystem } from '../registry';

export const kubernetesSystem: SourceSystem = {
  name: 'kubernetes',
  kinds: [],
  compile: () => ({ virtualHosts: [], diagnostics: [] }),
};
