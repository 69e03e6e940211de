import { ResourceEncoder } from '../../src/xds/cache/snapshot';
import { SnapshotCache } from '../../src/xds/cache/snapshotCache';
import type { ProxyNode, XdsResources } from '../../src/xds/resources';
import { AdsServer } from '../../src/xds/server/ads';
import { AdsClient, defaultNode } from '../support/adsClient';
import { baseResources, snapshotOf } from './fixtures';

/** The one view every proxy of these tests maps to. */
export const VIEW = 'default/app';

export interface AdsHarness {
  /** This test's server (fresh for each test). */
  readonly server: AdsServer;
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** A client for `node`, closed after the test. */
  connect(node?: ProxyNode): AdsClient;
  /** Publishes a snapshot of `parts` for VIEW. */
  publish(parts?: Partial<XdsResources>): void;
}

/**
 * Registers mocha hooks that give each test a fresh SnapshotCache and AdsServer on 127.0.0.1:0
 * (every node in VIEW). `register` adds services before it listens (e.g. CSDS); `beforeClose` runs
 * after the clients are closed and before the server is, for anything else bound to it.
 */
export function useAdsServer(opts: { register?: (server: AdsServer) => void; beforeClose?: () => void } = {}): AdsHarness {
  let cache: SnapshotCache;
  let encoder: ResourceEncoder;
  let server: AdsServer;
  let port: number;
  let clients: AdsClient[];

  beforeEach(async () => {
    cache = new SnapshotCache();
    encoder = new ResourceEncoder();
    clients = [];
    server = new AdsServer({ cache, viewFor: () => VIEW });
    opts.register?.(server);
    port = await server.listen('127.0.0.1:0');
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    opts.beforeClose?.();
    await server.close();
  });

  return {
    get server() {
      return server;
    },
    get port() {
      return port;
    },
    connect(node: ProxyNode = defaultNode()): AdsClient {
      const client = new AdsClient(port, { node });
      clients.push(client);
      return client;
    },
    publish(parts: Partial<XdsResources> = baseResources()): void {
      cache.set(snapshotOf(VIEW, parts, encoder));
    },
  };
}
