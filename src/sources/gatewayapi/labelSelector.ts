/**
 * `allowedRoutes.namespaces.selector` (a Kubernetes LabelSelector). Ricochet reads no Namespace
 * objects, so the only namespace label it knows is the one Kubernetes sets on every namespace,
 * `kubernetes.io/metadata.name: <name>`; selectors on other labels are warned about and match
 * as if the label were absent.
 */
import type { FieldPath } from '../document';
import type { FieldReader } from '../fields';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/**
 * Warns about misspelt LabelSelector fields. Separate from reading: the selector's field names are
 * checked even where it is not used (a listener whose `from` is not Selector), so a typo is seen.
 */
export function checkLabelSelectorFields(r: FieldReader, path: FieldPath): void {
  if (r.mapping(path) === undefined) return;
  r.checkFields(path, { supported: ['matchLabels', 'matchExpressions'] });
  (r.list([...path, 'matchExpressions']) ?? []).forEach((_, i) => {
    r.checkFields([...path, 'matchExpressions', i], { supported: ['key', 'operator', 'values'] });
  });
}

/** Reads a LabelSelector into requirements (matchLabels become `In` with one value). */
export function readLabelSelector(r: FieldReader, path: FieldPath): LabelSelector {
  const out: LabelSelector = [];
  const labels = r.stringMap([...path, 'matchLabels']);
  for (const key of Object.keys(labels).sort()) out.push({ key, operator: 'In', values: [labels[key]] });
  (r.list([...path, 'matchExpressions']) ?? []).forEach((_, i) => {
    const at = [...path, 'matchExpressions', i];
    const key = r.string([...at, 'key'], { required: true });
    const operator = r.string([...at, 'operator'], { required: true });
    const values = r.stringList([...at, 'values']);
    if (key === undefined || operator === undefined) return;
    if (!(OPERATORS as readonly string[]).includes(operator)) {
      r.error([...at, 'operator'], `${JSON.stringify(operator)} is not a valid label selector operator; accepted: ${OPERATORS.join(', ')}`);
      return;
    }
    const op = operator as LabelRequirement['operator'];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) r.error([...at, 'values'], `values must be non-empty for operator ${op}`);
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) r.error([...at, 'values'], `values must be empty for operator ${op}`);
    out.push({ key, operator: op, values });
  });
  for (const req of out) {
    if (req.key !== NAMESPACE_NAME_LABEL) {
      r.warn(path, `namespace label ${JSON.stringify(req.key)} is unknown to Ricochet, which reads no Namespace objects; only ${NAMESPACE_NAME_LABEL} (every namespace's own name) is known, other labels count as absent`);
    }
  }
  return out;
}

/** Whether a namespace matches, knowing only its `kubernetes.io/metadata.name` label. */
export function namespaceMatches(selector: LabelSelector, namespace: string): boolean {
  const labels: Record<string, string> = { [NAMESPACE_NAME_LABEL]: namespace };
  return selector.every((req) => {
    const value = labels[req.key];
    switch (req.operator) {
      case 'In': return value !== undefined && req.values.includes(value);
      case 'NotIn': return value === undefined || !req.values.includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
    }
  });
}
