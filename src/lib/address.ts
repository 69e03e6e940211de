import { Codes, RicochetError } from './errors';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (port 0 = any free port). */
export function parseHostPort(text: string, what: string): HostPort {
  const m = /^(.*):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) {
    throw new RicochetError(Codes.SchemaValidation, `${what}: "${text}" is not host:port (for example 127.0.0.1:18000)`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
