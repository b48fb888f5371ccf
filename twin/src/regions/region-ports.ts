import { freePort } from '@evermall/testkit';
import { isPortFree } from '../config/ports.js';

/** The second region's ports and the global front door's, when `npm start -- --regions 2` starts them. */
export interface RegionPorts {
  globalFrontDoor: number;
  frontDoor: number;
  loadBalancer: number;
  haproxyStats: number;
  database: number;
}

/**
 * Beside region a's (topology's twinPorts: front door 8080, load balancer 8081, stats 8404,
 * database nodes 5501–5503): the global front door on 8070, region b a hundred above region a.
 */
export const defaultRegionPorts: RegionPorts = {
  globalFrontDoor: 8070,
  frontDoor: 8180,
  loadBalancer: 8181,
  haproxyStats: 8504,
  database: 5601,
};

/**
 * The ports a second region listens on: topology-style defaults, or all free-picked when the
 * twin's own are (a test's or a drill's twin, started with its front door on port 0).
 */
export async function resolveRegionPorts(freePicked: boolean): Promise<RegionPorts> {
  const ports = { ...defaultRegionPorts };
  for (const key of Object.keys(ports) as (keyof RegionPorts)[]) {
    if (freePicked) ports[key] = await freePort();
    else if (!(await isPortFree(ports[key]))) throw new Error(`Port ${ports[key]} for region b's ${key} is taken: stop what uses it (another twin with --regions 2?)`);
  }
  return ports;
}
