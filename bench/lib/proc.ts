import * as fs from 'node:fs';

/** Linux /proc readers, used from the driver so both servers are measured the same way. */

export interface ProcMemory {
  rssKb: number;
  /** Peak resident set size (VmHWM). */
  hwmKb: number;
}

export function procMemory(pid: number): ProcMemory {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/** Bytes the process handed to write(2)-family calls, sockets included (HTTP/2 framing and all). */
export function procWrittenBytes(pid: number): number {
  try {
    const m = /^wchar:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}
