/** `ricochet load`: fortio-style load and fortio's report, for the CLI and `ricochet demo`. */
export { runLoad } from './runner';
export { formatReport, formatCodeLines, summaryLine } from './report';
export { FORTIO_DEFAULTS } from './types';
export type { LoadOptions, LoadResult, LoadShape, LoadTarget, LoadProgress, DurationSummary } from './types';
