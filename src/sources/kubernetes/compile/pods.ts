import { FieldReader } from '../../fields';
import type { SourceObject } from '../../object';
import type { KubeAddress } from '../endpoints';
import { readPod, type KubePod } from '../pod';

/**
 * Pods by name and by IP, per namespace, to give an endpoint its Pod's labels: the Pod its
 * `targetRef` names, else the Pod in the endpoint's namespace that has its address.
 */
export class PodIndex {
  private readonly byName = new Map<string, KubePod>();
  private readonly byIp = new Map<string, KubePod>();

  /** `pods` sorted by (namespace, name): on an IP shared by two Pods, the first one wins. */
  constructor(pods: readonly SourceObject[]) {
    for (const object of pods) {
      const pod = readPod(new FieldReader(object));
      this.byName.set(`${object.namespace}/${object.name}`, pod);
      for (const ip of pod.ips) if (!this.byIp.has(`${object.namespace}/${ip}`)) this.byIp.set(`${object.namespace}/${ip}`, pod);
    }
  }

  /** Labels of the Pod behind an address of an Endpoints or EndpointSlice in `namespace`; {} when none is known. */
  labelsFor(address: KubeAddress, namespace: string): Record<string, string> {
    const ref = address.targetRef;
    const named = ref?.kind === 'Pod' && ref.name !== undefined ? this.byName.get(`${ref.namespace ?? namespace}/${ref.name}`) : undefined;
    const pod = named ?? this.byIp.get(`${namespace}/${address.ip}`);
    return pod ? { ...pod.labels } : {};
  }
}
