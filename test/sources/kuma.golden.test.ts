/**
 * Kuma golden cases (test/golden/sources/kuma/<case>): legacy Retry and MeshRetry, spec/sources-kuma-fsm.md
 * §1 and docs/sources/kuma.md. A proxy's Kuma tags are its LABELS, e.g. case.json
 * `{"proxy": {"labels": {"kuma.io/service": "web"}}}`. Case layout: see describeGoldenCases.
 */
import { repoPath } from '../support/paths';
import { describeGoldenCases } from './golden';

describeGoldenCases('kuma golden cases (spec/sources-kuma-fsm.md §1, docs/sources/kuma.md)', repoPath('test', 'golden', 'sources', 'kuma'));
