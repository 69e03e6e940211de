/**
 * Istio golden cases (test/golden/sources/istio/<case>): VirtualService, ServiceEntry,
 * DestinationRule and fault behaviour of spec/sources-istio.md. Read the diff against that spec
 * before committing an `UPDATE_GOLDEN=1` rewrite. Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('istio golden cases', repoPath('test', 'golden', 'sources', 'istio'));
