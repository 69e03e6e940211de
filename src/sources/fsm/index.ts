/** FSM and OSM as a source system: mesh `Retry` and the FSM gateway's `RetryPolicy` (spec/sources-kuma-fsm.md §2). */
import type { SourceSystem } from '../registry';

export const fsmSystem: SourceSystem = {
  name: 'fsm',
  kinds: [],
  compile: () => ({ virtualHosts: [], diagnostics: [] }),
};
