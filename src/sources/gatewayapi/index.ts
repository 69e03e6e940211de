/**
 * The Gateway API as a source system: GatewayClass, Gateway, HTTPRoute and ReferenceGrant
 * (group gateway.networking.k8s.io). docs/sources/gatewayapi.md describes what is read and how.
 */
import type { SourceSystem } from '../registry';
import { compileGatewayApi, gatewaySelectors } from './compile';
import { GATEWAY_API_GROUP, GATEWAY_API_VERSIONS, REFERENCE_GRANT_VERSIONS } from './fields';
import { validateGateway } from './gateway';
import { validateGatewayClass } from './gatewayClass';
import { validateHttpRoute } from './httpRoute';
import { validateReferenceGrant } from './referenceGrant';

export const gatewayApiSystem: SourceSystem = {
  name: 'gatewayapi',
  kinds: [
    { group: GATEWAY_API_GROUP, kind: 'GatewayClass', versions: GATEWAY_API_VERSIONS, scope: 'Cluster', validate: validateGatewayClass },
    { group: GATEWAY_API_GROUP, kind: 'Gateway', versions: GATEWAY_API_VERSIONS, validate: validateGateway },
    { group: GATEWAY_API_GROUP, kind: 'HTTPRoute', versions: GATEWAY_API_VERSIONS, validate: validateHttpRoute },
    { group: GATEWAY_API_GROUP, kind: 'ReferenceGrant', versions: REFERENCE_GRANT_VERSIONS, validate: validateReferenceGrant },
  ],
  selectors: gatewaySelectors,
  compile: compileGatewayApi,
  knownUnsupportedKinds: ['GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute', 'BackendTLSPolicy', 'ListenerSet', 'XListenerSet', 'BackendLBPolicy'],
};

export { GATEWAY_API_GROUP } from './fields';
