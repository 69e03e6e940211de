/** GatewayClass (cluster-scoped): which controller implements Gateways of this class. */
import type { Diagnostic } from '../../lib/errors';
import { FieldReader } from '../fields';
import type { SourceObject } from '../object';
import { readControllerName } from './fields';

export interface GatewayClassSpec {
  controllerName?: string;
}

const SPEC_FIELDS = {
  supported: ['controllerName', 'description'],
  notYet: { parametersRef: 'controller parameters are ignored' },
} as const;

export function readGatewayClass(r: FieldReader): GatewayClassSpec {
  if (r.mapping(['spec'], { required: true }) === undefined) return {};
  r.checkFields(['spec'], SPEC_FIELDS);
  const description = r.string(['spec', 'description']);
  if (description !== undefined && description.length > 64) r.error(['spec', 'description'], `description may not be longer than 64 characters, got ${description.length}`);
  return { controllerName: readControllerName(r, ['spec', 'controllerName']) };
}

export function validateGatewayClass(object: SourceObject): Diagnostic[] {
  const r = new FieldReader(object);
  readGatewayClass(r);
  return r.diagnostics;
}
