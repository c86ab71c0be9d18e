import { isIPv6 } from 'node:net';

/**
 * `2001:0DB8:0:0::1` → `2001:db8::1`: RFC 5952 text through the WHATWG URL host
 * serializer (Node's own). Any other text is returned unchanged. The one
 * canonical form both the spec parser and the profile view compare in.
 */
export function canonicalIpText(ip: string): string {
  return isIPv6(ip) && !ip.includes('%') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}
