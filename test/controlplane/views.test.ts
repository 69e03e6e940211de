/** Proxy identity from xDS node metadata, and view keys (DESIGN.md, proxy identity). */
import * as assert from 'node:assert/strict';
import { compileSignature, DEFAULT_VIEW, proxyIdentityOf, viewKeyOf, viewKeyForNode } from '../../src/controlplane/views';
import { selectorMatches } from '../../src/ir/proxy';
import type { ProxySelector } from '../../src/ir/model';

describe('controlplane/views: who a proxy is and which view it gets', () => {
  it('reads the keys Istio sidecars send: NAMESPACE, SERVICE_ACCOUNT, LABELS, ROLE, GATEWAY', () => {
    const id = proxyIdentityOf({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { app: 'curl', 'kuma.io/service': 'web', n: 3 }, ROLE: 'sidecar' } });
    assert.deepEqual(id, { role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: { app: 'curl', 'kuma.io/service': 'web' } });
    const gw = proxyIdentityOf({ metadata: { ROLE: 'gateway', GATEWAY: 'fsm/simple-fsm-gateway', NAMESPACE: 'fsm' } });
    assert.equal(gw.role, 'gateway');
    assert.deepEqual(gw.gateway, { namespace: 'fsm', name: 'simple-fsm-gateway' });
    assert.deepEqual(proxyIdentityOf({ metadata: { ROLE: 'gateway', GATEWAY: 'gw', NAMESPACE: 'edge' } }).gateway, { namespace: 'edge', name: 'gw' }, 'a bare GATEWAY name is in the proxy namespace');
  });

  it('a node without metadata is the default sidecar, view `sidecar`', () => {
    assert.equal(viewKeyForNode({ metadata: {} }), DEFAULT_VIEW);
    assert.equal(viewKeyForNode({ metadata: { NAMESPACE: 'default', SERVICE_ACCOUNT: 'default' } }), DEFAULT_VIEW);
  });

  it('view keys are stable, canonical (label order does not matter) and distinguish identities', () => {
    const a = viewKeyForNode({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { b: '2', a: '1' } } });
    const b = viewKeyForNode({ metadata: { LABELS: { a: '1', b: '2' }, SERVICE_ACCOUNT: 'curl', NAMESPACE: 'curl' } });
    assert.equal(a, b);
    assert.equal(a, 'sidecar|ns=curl|sa=curl|labels=a=1,b=2');
    assert.notEqual(viewKeyOf({ role: 'sidecar', namespace: 'curl', serviceAccount: 'other', labels: {} }), viewKeyOf({ role: 'sidecar', namespace: 'curl', serviceAccount: 'curl', labels: {} }));
  });

  it('selectors: ServiceAccount needs namespace and name; labels need every key (`*` any value); gateway needs the Gateway', () => {
    const curl = proxyIdentityOf({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { 'kuma.io/service': 'web', version: 'v1' } } });
    assert.ok(selectorMatches({ kind: 'serviceAccount', namespace: 'curl', name: 'curl' }, curl));
    assert.ok(!selectorMatches({ kind: 'serviceAccount', namespace: 'other', name: 'curl' }, curl));
    assert.ok(selectorMatches({ kind: 'labels', match: { 'kuma.io/service': 'web' } }, curl));
    assert.ok(selectorMatches({ kind: 'labels', match: { 'kuma.io/service': '*', version: 'v1' } }, curl));
    assert.ok(!selectorMatches({ kind: 'labels', match: { 'kuma.io/service': 'web', zone: '*' } }, curl));
    assert.ok(!selectorMatches({ kind: 'gateway', namespace: 'curl', name: 'gw' }, curl));
  });

  it('identities matching the same selectors share a compile signature; a selector match changes it', () => {
    const selectors: ProxySelector[] = [{ kind: 'serviceAccount', namespace: 'curl', name: 'curl' }];
    const one = proxyIdentityOf({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { pod: 'a' } } });
    const two = proxyIdentityOf({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'curl', LABELS: { pod: 'b' } } });
    const three = proxyIdentityOf({ metadata: { NAMESPACE: 'curl', SERVICE_ACCOUNT: 'other' } });
    assert.equal(compileSignature(one, selectors), compileSignature(two, selectors));
    assert.notEqual(compileSignature(one, selectors), compileSignature(three, selectors));
  });
});
