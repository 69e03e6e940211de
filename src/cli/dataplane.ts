import { Command, Option } from 'commander';
import { createLogger } from '../lib/log';
import { formatLocation, RicochetError } from '../lib/errors';
import { loadBootstrap, startDataplane } from '../dataplane';

interface DataplaneOptions {
  configPath: string;
  logLevel: string;
  mode: 'serve' | 'validate';
}

/** Envoy's log level names → pino's. */
export function pinoLevel(level: string): string {
  switch (level) {
    case 'warning': return 'warn';
    case 'critical': return 'fatal';
    case 'off': return 'silent';
    default: return level;
  }
}

/** `ricochet dataplane -c <bootstrap.yaml>`: Ricochet's Envoy-compatible proxy, from Envoy's own bootstrap. */
export function registerDataplane(program: Command): void {
  program
    .command('dataplane')
    .description('run Ricochet\'s Envoy-compatible data plane from an Envoy bootstrap (static_resources, or ADS from a control plane)')
    .requiredOption('-c, --config-path <file>', 'Envoy bootstrap, YAML or JSON (the file you would give to envoy -c)')
    .addOption(new Option('-l, --log-level <level>', 'trace|debug|info|warning|error|critical|off')
      .choices(['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'off'])
      .default(process.env.RICOCHET_LOG_LEVEL ?? 'info'))
    .addOption(new Option('--mode <mode>', 'serve, or validate: check the bootstrap, list unsupported fields, exit').choices(['serve', 'validate']).default('serve'))
    .action(async (opts: DataplaneOptions) => (opts.mode === 'validate' ? validate(opts) : run(opts)));
}

function validate(opts: DataplaneOptions): void {
  try {
    const b = loadBootstrap(opts.configPath);
    for (const u of b.unsupported) process.stdout.write(`${u.effect}: ${u.path}: ${u.reason}\n`);
    process.stdout.write(`configuration '${opts.configPath}' OK\n`);
  } catch (err) {
    if (err instanceof RicochetError) {
      const where = formatLocation(err.location);
      process.stderr.write(`error [${err.code}]: ${err.message}${where && !err.message.includes(where) ? ` (${where})` : ''}\n`);
      process.exit(1);
    }
    throw err;
  }
}

async function run(opts: DataplaneOptions): Promise<void> {
  const logger = createLogger(pinoLevel(opts.logLevel));
  const dp = await startDataplane({ bootstrapFile: opts.configPath, logger });
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await dp.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const b = dp.bootstrap;
  const lines = [
    `ricochet dataplane: ${opts.configPath} (node ${b?.node.id || '-'})`,
    dp.admin ? `  admin        http://${dp.admin.address}:${dp.admin.port}  (/stats /clusters /config_dump /ready)` : '  admin        (none: the bootstrap has no admin address)',
    b?.ads ? `  ADS          ${b.ads.address}:${b.ads.port}${b.cdsViaAds ? ' CDS' : ''}${b.ldsViaAds ? ' LDS' : ''}` : '  config       static_resources',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  try {
    await dp.ready;
  } catch (err) {
    // A static config that cannot be served (a listener that cannot bind) stops the proxy, as Envoy does.
    if (!b?.ads) {
      logger.error({ error: (err as Error).message }, 'cannot serve the static configuration');
      await dp.close();
      process.exit(1);
    }
  }
}
