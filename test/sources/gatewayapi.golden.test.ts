/**
 * Gateway API golden cases (test/golden/sources/gatewayapi/<case>): Gateway, HTTPRoute (retry,
 * matches, backends, attachment) and the status conditions they write, as docs/sources/gatewayapi.md
 * describes them. Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('gatewayapi golden cases', repoPath('test', 'golden', 'sources', 'gatewayapi'), { conditions: true });
