/**
 * core/v1 Pod, read only for what endpoints need: `metadata.labels` (so Istio DestinationRule
 * subsets can select endpoints) and `status.podIP` / `status.podIPs` (to find the Pod of an
 * endpoint address that has no `targetRef`). The rest of a Pod (its spec, containers) is a
 * cluster's business and is accepted without a word; `status` field names are checked against
 * core/v1 PodStatus, so a misspelt `podIP` does not silently leave the Pod unfound.
 */
import type { Diagnostic } from '../../lib/errors';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { mappingIndexes, readMetadata, reportInvalid, type ObjectMeta } from './fields';
import { ipErrors } from './messages';

/** core/v1 PodStatus (Kubernetes 1.34); only podIP and podIPs are read. */
const STATUS_FIELDS = {
  supported: [
    'podIP', 'podIPs', 'phase', 'conditions', 'message', 'reason', 'nominatedNodeName', 'hostIP', 'hostIPs', 'startTime',
    'initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses', 'qosClass', 'resize', 'resourceClaimStatuses',
    'extendedResourceClaimStatus', 'observedGeneration',
  ],
} as const;

export interface KubePod extends ObjectMeta {
  /** `status.podIP` and every `status.podIPs[].ip`, deduplicated. */
  ips: string[];
}

export function validatePod(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readPod(r);
  return r.diagnostics;
}

export function readPod(r: FieldReader): KubePod {
  const meta = readMetadata(r);
  const ips = new Set<string>();
  r.checkFields(['status'], STATUS_FIELDS);
  const podIP = r.string(['status', 'podIP']);
  if (podIP !== undefined && podIP !== '' && reportInvalid(r, ['status', 'podIP'], podIP, ipErrors(podIP))) ips.add(podIP);
  for (const i of mappingIndexes(r, ['status', 'podIPs'])) {
    r.checkFields(['status', 'podIPs', i], { supported: ['ip'] });
    const ip = r.string(['status', 'podIPs', i, 'ip']);
    if (ip !== undefined && reportInvalid(r, ['status', 'podIPs', i, 'ip'], ip, ipErrors(ip))) ips.add(ip);
  }
  return { ...meta, ips: [...ips] };
}
