import { BlockList, isIP } from 'node:net';

/** Address ranges a download may not reach unless the allow list names the address itself. */
const RANGES: ReadonlyArray<{ what: string; family: 'ipv4' | 'ipv6'; subnets: Array<[string, number]> }> = [
  { what: 'a loopback address', family: 'ipv4', subnets: [['127.0.0.0', 8]] },
  { what: 'a loopback address', family: 'ipv6', subnets: [['::1', 128]] },
  {
    what: 'a private address',
    family: 'ipv4',
    subnets: [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10],
    ],
  },
  { what: 'a private address', family: 'ipv6', subnets: [['fc00::', 7]] },
  { what: 'a link-local address', family: 'ipv4', subnets: [['169.254.0.0', 16]] },
  { what: 'a link-local address', family: 'ipv6', subnets: [['fe80::', 10]] },
  {
    what: 'a reserved address',
    family: 'ipv4',
    subnets: [
      ['0.0.0.0', 8],
      ['192.0.0.0', 24],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ],
  },
  {
    what: 'a reserved address',
    family: 'ipv6',
    subnets: [
      ['::', 128],
      ['ff00::', 8],
      // IPv4-mapped and NAT64 addresses would hide an IPv4 address behind an IPv6 one
      ['::ffff:0:0', 96],
      ['64:ff9b::', 96],
    ],
  },
];

const LISTS = RANGES.map((range) => {
  const list = new BlockList();
  for (const [network, prefix] of range.subnets) list.addSubnet(network, prefix, range.family);
  return { what: range.what, family: range.family, list };
});

/**
 * Why a download may not connect to `address` (`"a loopback address"`, …), or null for a public
 * address. Anything that is not an IP address at all is refused too.
 */
export function refusedAddress(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 0) return 'not an IP address';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const entry of LISTS) if (entry.family === family && entry.list.check(bare, family)) return entry.what;
  return null;
}

/** The same address written the same way (IPv6 compressed, lower case), for comparisons. */
export function canonicalAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) !== 6) return bare;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare;
  }
}
