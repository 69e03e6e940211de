/**
 * FSM gateway RetryPolicy golden cases (test/golden/sources/fsm/gateway-<case>, spec/sources-kuma-fsm.md
 * §2.3): see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './gatewayapi.helpers';

describeGoldenCases('fsm gateway RetryPolicy golden cases (§2.3)', repoPath('test', 'golden', 'sources', 'fsm'), 'gateway-');
