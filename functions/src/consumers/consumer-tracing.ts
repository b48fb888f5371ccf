import { startTracing, type Tracing } from '@evermall/shop/tracing';
import { EnvironmentError, optionalVariable, type Environment } from '../environment.js';

const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Starts tracing for a consumer process when `OTEL_EXPORTER_OTLP_ENDPOINT` names a collector (the
 * twin's; on AWS a collector the function runs beside), as the shop does (shop/src/tracing/
 * README.md, "Consumers"): each event's span then joins the trace of the request that caused it.
 * The endpoint's rule is the shop's (shop/src/config.ts): spans carry statements and ids, so off
 * loopback they travel over TLS. Unset: undefined, and nothing is traced.
 */
export function tracingFromEnvironment(env: Environment, serviceName: string, instanceId: string): Tracing | undefined {
  const endpoint = optionalVariable(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EnvironmentError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be a URL like http://127.0.0.1:4318, got "${endpoint}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new EnvironmentError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be https:// (http only on loopback, for a local collector), got "${endpoint}"`);
  }
  if (url.search || url.hash)
    throw new EnvironmentError('OTEL_EXPORTER_OTLP_ENDPOINT', `must be a base URL without query or fragment (spans go to <url>/v1/traces), got "${endpoint}"`);
  return startTracing({ endpoint, serviceName, instanceId });
}
