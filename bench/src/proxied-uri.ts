/**
 * The server's address and a URI that reaches it through a proxy on `proxyPort` with a direct
 * connection (the server may advertise replica-set hosts the client must not try to reach).
 * `undefined` for URIs a single TCP proxy cannot front (SRV records, several hosts).
 */
export function proxyTarget(
  uri: string,
): { host: string; port: number; viaProxy(proxyPort: number): string } | undefined {
  const match = /^mongodb:\/\/([^@/]*@)?([^/?,]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) return undefined;
  const [, auth = '', hostPort, path = '/', query = ''] = match;
  const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort!);
  if (!hostMatch) return undefined;
  const host = hostMatch[1]!.replace(/^\[|\]$/g, '');
  const port = Number(hostMatch[2] ?? 27017);
  const params = new URLSearchParams(query.replace(/^\?/, ''));
  params.delete('replicaSet');
  params.delete('directConnection');
  params.set('directConnection', 'true');
  return {
    host,
    port,
    viaProxy: (proxyPort) => `mongodb://${auth}127.0.0.1:${proxyPort}${path}?${params.toString()}`,
  };
}
