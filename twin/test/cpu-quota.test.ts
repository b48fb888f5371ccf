import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuSeconds } from '../src/instances/cpu-meter.js';
import { CpuQuota } from '../src/instances/cpu-quota.js';

const supported = CpuQuota.create(`probe-${process.pid}`, 1);
supported?.remove();

describe("CpuQuota (an instance's vCPUs, enforced by the kernel)", () => {
  it.skipIf(!supported)('holds a busy process to its quota, and the group goes away with the process', async () => {
    const quota = CpuQuota.create(`test-${process.pid}`, 0.2)!;
    const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    try {
      expect(quota.add(busy.pid)).toBe(true);
      const before = cpuSeconds(busy.pid!);
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 2000));
      const used = (cpuSeconds(busy.pid!) - before) / ((Date.now() - started) / 1000);
      // Unlimited, a busy loop takes a whole CPU; under a 0.2 quota the kernel allows 0.2 per period.
      expect(used).toBeLessThan(0.2 * 1.5);
    } finally {
      busy.kill('SIGKILL');
      await new Promise((r) => busy.once('exit', r));
    }
    quota.remove();
    expect(existsSync((quota as unknown as { dir: string }).dir)).toBe(false);
  });
});
