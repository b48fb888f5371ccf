import { systemPaths } from '@evermall/testkit';
import pino from 'pino';

/**
 * What the twin reads from its environment, read once and checked on first use: the machine's
 * tools (PG_BIN, PG_AUTOCTL, whose defaults live once in @evermall/testkit's systemPaths; the
 * reports' Chromium, CHROMIUM_PATH, is found by the kit's launchChromium the same way) and the
 * log levels of the twin's own log (TWIN_LOG_LEVEL) and of the shop processes it runs
 * (SHOP_LOG_LEVEL). Nothing else in twin/src reads process.env for settings.
 */
export interface TwinEnvironment {
  /** PostgreSQL 15's server binaries (pg_ctl, pgbench). */
  readonly pgBin: string;
  /** pg_auto_failover's pg_autoctl. */
  readonly pgAutoctl: string;
  readonly twinLogLevel: pino.LevelWithSilent;
  readonly shopLogLevel: pino.LevelWithSilent;
  /** The PATH children inherit (pg_autoctl finds pg_ctl and friends through it). */
  readonly path: string;
  /** Where the person ran npm from: npm runs workspace scripts inside twin/ (INIT_CWD). */
  readonly callerDir: string;
}

const LEVELS: readonly string[] = [...Object.keys(pino.levels.values), 'silent'];

let read: TwinEnvironment | undefined;

export function twinEnvironment(): TwinEnvironment {
  read ??= Object.freeze({
    pgBin: absolute('PG_BIN', systemPaths.pgBin),
    pgAutoctl: absolute('PG_AUTOCTL', systemPaths.pgAutoctl),
    twinLogLevel: level('TWIN_LOG_LEVEL'),
    shopLogLevel: level('SHOP_LOG_LEVEL'),
    path: process.env.PATH ?? '/usr/bin:/bin',
    callerDir: process.env.INIT_CWD ?? process.cwd(),
  });
  return read;
}

function level(name: string): pino.LevelWithSilent {
  const value = process.env[name] ?? 'info';
  if (!LEVELS.includes(value)) throw new Error(`${name}="${value}" is not a log level: use one of ${LEVELS.join(', ')}`);
  return value as pino.LevelWithSilent;
}

function absolute(name: string, value: string): string {
  if (!value.startsWith('/')) throw new Error(`${name}="${value}" must be an absolute path`);
  return value;
}
