/**
 * The few file operations the store needs to be crash-safe: a file is only ever replaced by
 * writing a temporary file, fsyncing it, renaming it over the old one and fsyncing the
 * directory (so the rename itself survives a power cut).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Makes the directory's entries (created, renamed, removed files) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `file` atomically: afterwards it holds either the old content or all of `data`. */
export async function writeFileDurable(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/** A name in `dir` starting with `base` that no file has yet (`base`, `base.2`, ...). */
export async function unusedName(dir: string, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}.${n}`;
    try {
      await fs.access(path.join(dir, name));
    } catch {
      return name;
    }
  }
}

/** Keeps bytes that could not be read under a new name next to the log; returns that name. */
export async function preserveAside(dir: string, base: string, data: Uint8Array): Promise<string> {
  const name = await unusedName(dir, base);
  await writeFileDurable(path.join(dir, name), data);
  return name;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per data directory: two writers appending to one log would interleave records.
 * The lock file holds the owner's pid; a lock whose process is gone (kill -9) is taken over.
 */
export async function acquireLock(file: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new Error(`${file}: the data directory is in use by process ${owner}${owner === process.pid ? ' (this process)' : ''}`);
    }
    await fs.rm(file, { force: true });
  }
  throw new Error(`${file}: could not take the lock`);
}
