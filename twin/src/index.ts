export { startTwin, TwinStartInterrupted, type StartTwinOptions, type RunningTwin } from './twin.js';
export { TwinClient, TwinCommandError, findRunningTwin } from './client.js';
export type { TwinStatus, CommandResult, CommandName, TwinUrls } from './status/status-types.js';
export type { TwinPortMap } from './config/ports.js';
export type { ControllerTimings } from './scaling/controller-timings.js';
export type { TwinEvent } from './events.js';
export { renderHaproxyConfig } from './load-balancer/haproxy-config.js';
export { monitorSettings } from './database/failover-settings.js';
