import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { appPort } from '@evermall/topology';
import { engineFlags } from './engine.js';
import { buildImage, imageRepository } from './image.js';
import { startShopContainer } from './shop-container.js';

const HELP = `Usage: npm run image -w containers -- <command> [options]

Commands:
  build [--tag TAG] [--source URL]
      Makes shop/dist current (shop/build.mjs), makes or reuses the Debian base image (debootstrap,
      once per machine), then builds containers/Dockerfile with podman. Prints the tag and size.
  run --image TAG --database-url postgres://USER:PASSWORD@HOST:PORT/DB [--port ${appPort}] [--env-file FILE]
      Runs the image as the EC2 unit runs the shop: service user, read-only root, host network on
      this machine. The login in the URL goes into the secrets directory (DATABASE_CREDENTIALS_FILE),
      not the environment. FILE holds KEY=VALUE lines (SESSION_SECRET, PAYMENT_PROVIDER, ...).
      Ctrl-C stops it gracefully.

Needs root and podman, buildah, debootstrap and runc (node scripts/ensure-system.mjs).`;

function fail(message: string): never {
  process.stderr.write(`image: ${message}\n`);
  process.exit(1);
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function build(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { tag: { type: 'string' }, source: { type: 'string' } } });
  const started = Date.now();
  const image = await buildImage({ tag: values.tag, source: values.source, progress: (line) => say(`  ${line}`) });
  say(
    `✓ ${image.tag} (${(image.sizeBytes / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s; base ${image.baseTag} ${image.baseBuilt ? 'made now' : 'reused'}`,
  );
}

function envFile(file: string | undefined): Record<string, string> {
  if (!file) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { image: { type: 'string' }, 'database-url': { type: 'string' }, port: { type: 'string' }, 'env-file': { type: 'string' } } });
  if (!values.image) fail(`--image is required (e.g. ${imageRepository}:TAG from 'build')`);
  if (!values['database-url']) fail('--database-url is required (postgres://USER:PASSWORD@HOST:PORT/DB)');
  const url = new URL(values['database-url']);
  const credentials = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  if (!credentials.username || !credentials.password) fail('--database-url must carry the user and password the shop logs in with');
  url.password = '';
  const shop = startShopContainer({
    image: values.image,
    port: Number(values.port ?? appPort),
    databaseUrl: url.toString(),
    credentials,
    environment: envFile(values['env-file']),
  });
  say(`${shop.name} starting on ${shop.baseUrl}; Ctrl-C stops it`);
  const logs = spawn('podman', [...engineFlags, 'logs', '--follow', shop.name], { stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say(`stopping ${shop.name} (SIGTERM, then the shop's own drain and close)`);
    const code = shop.stop();
    logs.kill();
    say(`${shop.name} exited with ${code}`);
    process.exit(code === 0 ? 0 : 1);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  logs.once('exit', () => stop());
}

const [command, ...rest] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || rest.includes('--help')) {
  say(HELP);
  process.exit(command ? 0 : 1);
}
try {
  if (command === 'build') await build(rest);
  else if (command === 'run') await run(rest);
  else fail(`unknown command '${command}': build or run (--help)`);
} catch (err) {
  fail(`${(err as Error).message}`);
}
