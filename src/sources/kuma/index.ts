/** Kuma as a source system: legacy `Retry` and `MeshRetry`, Kubernetes and universal dialects (spec/sources-kuma-fsm.md §1). */
import type { SourceSystem } from '../registry';

export const kumaSystem: SourceSystem = {
  name: 'kuma',
  kinds: [],
  compile: () => ({ virtualHosts: [], diagnostics: [] }),
};
