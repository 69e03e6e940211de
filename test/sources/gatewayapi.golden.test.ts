/** Gateway API golden cases (test/golden/sources/gatewayapi/<case>): see describeGoldenCases. */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './gatewayapi.helpers';

describeGoldenCases('gatewayapi golden cases', repoPath('test', 'golden', 'sources', 'gatewayapi'));
