/** Names Kuma gives its API group, tags and labels (spec/sources-kuma-fsm.md §1). */

export const KUMA_GROUP = 'kuma.io';
export const KUMA_VERSIONS = ['v1alpha1'] as const;

/** The tag every Kuma dataplane inbound carries; a proxy's tags are its `LABELS` (DESIGN.md). */
export const SERVICE_TAG = 'kuma.io/service';
/** Which mesh a proxy (a `LABELS` key) or a Kubernetes MeshRetry (a label) belongs to; `default` when unset. */
export const MESH_LABEL = 'kuma.io/mesh';
export const DEFAULT_MESH = 'default';
/** Kuma's system namespace on Kubernetes, where mesh-wide policies live. */
export const SYSTEM_NAMESPACE = 'kuma-system';
/** Labels Kuma's webhooks set on new-style policies (§1.2.2, §1.2.4). */
export const POLICY_ROLE_LABEL = 'kuma.io/policy-role';
export const ORIGIN_LABEL = 'kuma.io/origin';
export const DISPLAY_NAME_LABEL = 'kuma.io/display-name';
