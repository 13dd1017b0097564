// Literal-address checks without `node:net`, so the endpoint type also works in browser bundles.

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 literal. */
export function isIPv4(s: string): boolean {
  return ipv4.test(s);
}

/** True for an IPv6 literal (compressed, embedded IPv4 and zone ids allowed). */
export function isIPv6(s: string): boolean {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let groups = s.split(':');
  // An embedded IPv4 tail counts as two groups.
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    groups = [...groups.slice(0, -1), '0', '0'];
  }
  const doubleColon = s.indexOf('::');
  if (doubleColon !== s.lastIndexOf('::')) return false;
  if (doubleColon < 0) return groups.length === 8 && groups.every(isHexGroup);
  const nonEmpty = groups.filter((g) => g !== '');
  return nonEmpty.length <= 7 && nonEmpty.every(isHexGroup) && !/^:[^:]|[^:]:$/.test(s);
}

function isHexGroup(g: string): boolean {
  return /^[0-9a-fA-F]{1,4}$/.test(g);
}
