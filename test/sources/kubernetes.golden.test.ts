/**
 * Kubernetes registry golden cases (test/golden/sources/kubernetes/<case>), docs/sources/kubernetes.md:
 * Services, Endpoints, EndpointSlices, Pods; case.json may set the compile options, e.g.
 * `{"options": {"defaultRetryPolicy": "istio"}}`. Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('kubernetes golden cases (docs/sources/kubernetes.md)', repoPath('test', 'golden', 'sources', 'kubernetes'));
