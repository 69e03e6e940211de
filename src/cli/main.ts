import { Command } from 'commander';
import { RicochetError } from '../lib/errors';
import { registerDataplane } from './dataplane';
import { registerServe } from './serve';
import { registerTranslate } from './translate';
import { registerUpstream } from './upstream';
import { VERSION } from '../version';

/** `ricochet`: named after the istioctl / kubectl commands our users know. */
export function main(argv: string[]): void {
  const program = new Command('ricochet')
    .description('Envoy xDS control plane for the retry policies you already write (Istio, FSM, Kuma, Gateway API)')
    .version(VERSION, '--version', 'print the version')
    .showHelpAfterError();
  registerServe(program);
  registerTranslate(program);
  registerDataplane(program);
  registerUpstream(program);
  program.command('version').description('print the version').action(() => console.log(`ricochet ${VERSION}`));
  program.parseAsync(argv).catch((err: unknown) => {
    if (err instanceof RicochetError) {
      console.error(`error [${err.code}]: ${err.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(2);
  });
}
