/** The Gateway API as a source system: GatewayClass, Gateway, HTTPRoute. */
import type { SourceSystem } from '../registry';

export const gatewayApiSystem: SourceSystem = {
  name: 'gatewayapi',
  kinds: [],
  compile: () => ({ virtualHosts: [], diagnostics: [] }),
};
