/**
 * Where access-log lines go: stdout, stderr or a file (appended), one shared stream per path.
 */
import * as fs from 'node:fs';
import type { DpAccessLog } from '../config/model';
import { compileFormat, type LogEntry, type LogFormatter } from './format';

export interface AccessLogger {
  log(entry: LogEntry): void;
}

export class AccessLogSinks {
  private readonly files = new Map<string, fs.WriteStream>();

  create(config: DpAccessLog): AccessLogger {
    const format: LogFormatter = compileFormat(config.format);
    const write = this.writer(config.path);
    return { log: (entry) => write(format(entry)) };
  }

  private writer(path: string): (line: string) => void {
    if (path === 'stdout' || path === '/dev/stdout') return (line) => process.stdout.write(line);
    if (path === 'stderr' || path === '/dev/stderr') return (line) => process.stderr.write(line);
    let stream = this.files.get(path);
    if (!stream) {
      stream = fs.createWriteStream(path, { flags: 'a' });
      stream.on('error', () => {});
      this.files.set(path, stream);
    }
    const s = stream;
    return (line) => {
      s.write(line);
    };
  }

  async close(): Promise<void> {
    const all = [...this.files.values()];
    this.files.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  }
}
