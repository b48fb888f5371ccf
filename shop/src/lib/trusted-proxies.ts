import { BlockList, isIP } from 'node:net';

export interface AddressRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** An IP address or CIDR range (`10.40.0.0/16`, `127.0.0.1`, `::1`), or undefined when it is neither. */
export function parseAddressRange(entry: string): AddressRange | undefined {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A socket address as the ranges are written: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as plain IPv4. */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  const version = isIP(address);
  return version === 0 ? undefined : { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Fastify's `trustProxy` for the proxies in front of the shop: which X-Forwarded-For entries to
 * believe. The socket peer (hop 0) is believed only when it is one of `ranges`, the nearest
 * proxy's addresses; the next `hops - 1` entries, each appended by a proxy further out, are
 * believed by count. The client is the first entry not believed, so whatever a client writes
 * into X-Forwarded-For itself sits further left and is never taken for its address.
 * Fastify has no hop count of its own (its docs, "trustProxy": a bare count cannot validate the
 * immediate peer), hence the peer check.
 */
export function trustedProxies(ranges: readonly string[], hops: number): ((address: string, hop: number) => boolean) | false {
  if (ranges.length === 0 || hops === 0) return false;
  const nearest = new BlockList();
  for (const entry of ranges) {
    const range = parseAddressRange(entry);
    if (!range) throw new Error(`not an IP address or CIDR range: "${entry}"`);
    nearest.addSubnet(range.address, range.prefix, range.family);
  }
  return (address, hop) => {
    if (hop >= hops) return false;
    if (hop > 0) return true;
    const peer = plainAddress(address);
    return peer !== undefined && nearest.check(peer.address, peer.family);
  };
}
