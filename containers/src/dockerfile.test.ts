import { readFileSync } from 'node:fs';
import { appPort, autoScaling, targetHealthCheck } from '@evermall/topology';
import { describe, expect, it } from 'vitest';
import { dockerfile } from './image.js';
import { imageCommand, imageDirectories, imageEnvironment, imageUser } from './layout.js';

/**
 * The Dockerfile spells values that live in topology/ and shop/src/release/ (Dockerfile instructions
 * take no input from code): each is held to its source here, so a change there fails until the
 * Dockerfile follows.
 */
const text = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ');
const instruction = (name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `))
    .at(-1)!
    .slice(name.length + 1)
    .trim();

describe('the Dockerfile against topology/ and the shop’s service definition', () => {
  it('starts the release’s own Node with topology’s heap, on the server bundle', () => {
    const { entrypoint, cmd } = imageCommand();
    expect(JSON.parse(instruction('ENTRYPOINT'))).toEqual(entrypoint);
    expect(JSON.parse(instruction('CMD'))).toEqual(cmd);
  });

  it('runs as the service user and exposes the shop’s port', () => {
    expect(instruction('USER')).toBe(`${imageUser.uid}:${imageUser.gid}`);
    expect(instruction('EXPOSE')).toBe(String(appPort));
    expect(text).toContain(`--uid ${imageUser.uid} --gid ${imageUser.gid} --home-dir`);
    expect(instruction('WORKDIR')).toBe(imageDirectories.release);
  });

  it('sets the environment its layout implies', () => {
    const env = Object.fromEntries([...instruction('ENV').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(env).toEqual(imageEnvironment());
  });

  it('checks health as the ALB does, after the Auto Scaling group’s grace period', () => {
    const healthcheck = instruction('HEALTHCHECK');
    expect(healthcheck).toContain(`--interval=${targetHealthCheck.intervalSeconds}s`);
    expect(healthcheck).toContain(`--timeout=${targetHealthCheck.timeoutSeconds}s`);
    expect(healthcheck).toContain(`--retries=${targetHealthCheck.unhealthyThreshold}`);
    expect(healthcheck).toContain(`--start-period=${autoScaling.healthCheckGracePeriodSeconds}s`);
    expect(healthcheck).toContain(`'${targetHealthCheck.path}'`);
  });

  it('labels the image with its version, revision and source', () => {
    for (const label of ['version', 'revision', 'source']) expect(text).toContain(`org.opencontainers.image.${label}=`);
  });
});
