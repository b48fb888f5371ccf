import { useSyncExternalStore } from 'react';

/**
 * Whether the API answered the last time we asked. The API client writes it; the banner in
 * the layout reads it, so an outage is said out loud instead of leaving a blank page.
 */
let reachable = true;
const listeners = new Set<() => void>();

export function setApiReachable(value: boolean): void {
  if (value === reachable) return;
  reachable = value;
  for (const l of listeners) l();
}

export function isApiReachable(): boolean {
  return reachable;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useApiReachable(): boolean {
  return useSyncExternalStore(subscribe, isApiReachable, () => true);
}
