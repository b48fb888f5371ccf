import { execFileSync } from 'node:child_process';
import { lchownSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { serviceUser } from '@evermall/shop/release';
import { systemUser } from '@evermall/testkit';
import type { Owner } from '../processes.js';

/**
 * Who the instances run as. As root: the shop's service user, created if missing the way the EC2
 * user data creates it (groupadd/useradd, same name, uid and gid), so a write the systemd unit
 * forbids fails on the twin too. Anyone else: ourselves (undefined); there is no one to switch to.
 */
export function serviceOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const { name, uid, gid } = serviceUser;
  ensure(() => succeeds('getent', ['group', name]), 'groupadd', ['--system', '--gid', String(gid), name]);
  ensure(() => systemUser(name) !== undefined, 'useradd', [
    '--system',
    '--uid',
    String(uid),
    '--gid',
    String(gid),
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  const found = systemUser(name);
  if (!found || found.uid !== uid || found.gid !== gid) {
    throw new Error(
      `the user "${name}" is ${found?.uid}:${found?.gid} here but the shop's service user is ${uid}:${gid} (shop/src/release/service.ts): remove it with userdel ${name} and start again`,
    );
  }
  return found;
}

/**
 * Makes the service's writable directories and hands them, with what is in them, to `owner`: the
 * twin's ReadWritePaths. Everything else (the release above all) stays root's and read-only to it,
 * as ProtectSystem=strict keeps it on an instance. Symlinks are changed, never followed.
 */
export function handOver(directories: string[], owner: Owner | undefined): void {
  for (const dir of directories) {
    mkdirSync(dir, { recursive: true });
    if (!owner) continue;
    lchownSync(dir, owner.uid, owner.gid);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      lchownSync(path.join(entry.parentPath, entry.name), owner.uid, owner.gid);
    }
  }
}

/** Runs `command` unless `exists` already holds; another twin may create the same user at the same moment. */
function ensure(exists: () => boolean, command: string, args: string[]): void {
  if (exists()) return;
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if (!exists()) throw new Error(`${command} ${args.join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
}

function succeeds(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
