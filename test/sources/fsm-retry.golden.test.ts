/**
 * FSM / OSM mesh `Retry` golden cases (test/golden/sources/fsm/retry-<case>, spec/sources-kuma-fsm.md
 * §2.1, §2.2), each compiled for the sidecar its case.json names (most: the curl sidecar of FSM's
 * demo). Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('fsm Retry golden cases (§2.1, §2.2)', repoPath('test', 'golden', 'sources', 'fsm'), { prefix: 'retry-' });
