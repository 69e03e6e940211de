/**
 * FSM gateway RetryPolicy golden cases (test/golden/sources/fsm/gateway-<case>, spec/sources-kuma-fsm.md
 * §2.3), with the status conditions they write. Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('fsm gateway RetryPolicy golden cases (§2.3)', repoPath('test', 'golden', 'sources', 'fsm'), { prefix: 'gateway-', conditions: true });
