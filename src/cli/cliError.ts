/**
 * A failure a client command reports and exits on (status 1, as kubectl and istioctl do): the
 * server could not be reached, a file could not be read, the server refused. The message is
 * printed as is, so it must say what to do.
 */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
