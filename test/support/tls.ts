// An mTLS front for the shared dev server, the closest real setup to a self-hosted cluster with mTLS that
// these machines allow: the Temporal CLI's dev server has no TLS flags, so a Node TLS server terminates
// TLS in front of it (as an ingress or Envoy would), demands a client certificate signed by the test CA,
// and pipes the bytes (gRPC over HTTP/2) to the plaintext port. Certificates come from the system's
// openssl (a throwaway CA, a server certificate for localhost/127.0.0.1, client certificates).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { type TLSSocket, createServer } from 'node:tls';

export interface Pair {
  cert: string;
  key: string;
}

/** Writes `<name>.pem`/`<name>.key` into `dir`: a CA when `signer` is absent, else a leaf it signs. */
export function certificate(dir: string, name: string, signer?: Pair, use?: 'serverAuth' | 'clientAuth'): Pair {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', pair.key];
  if (!signer) {
    execFileSync('openssl', ['req', '-x509', ...ec, '-out', pair.cert, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'pipe' });
    return pair;
  }
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, [
    'basicConstraints=CA:FALSE', `extendedKeyUsage=${use}`,
    ...(use === 'serverAuth' ? ['subjectAltName=DNS:localhost,IP:127.0.0.1'] : []),
  ].join('\n'));
  execFileSync('openssl', ['req', ...ec, '-out', csr, '-subj', `/CN=${name}`], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', signer.cert, '-CAkey', signer.key, '-CAcreateserial',
    '-out', pair.cert, '-days', '2', '-extfile', ext], { stdio: 'pipe' });
  return pair;
}

export interface MtlsFront {
  /** host:port of the TLS endpoint (the name `localhost` is in the server certificate). */
  address: string;
  /** Common names of the client certificates of every connection the front accepted and forwarded. */
  accepted: string[];
  /** Handshakes the front refused (no client certificate, or one from another CA). */
  refused: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with the server pair, trusting only `ca` for client certificates; forwards to `target`. */
export async function startMtlsFront(target: string, server: Pair, ca: Pair): Promise<MtlsFront> {
  const [host, port] = target.split(':') as [string, string];
  const front: MtlsFront = { address: '', accepted: [], refused: 0, close: async () => {} };
  const open = new Set<{ destroy(): void }>();
  const srv = createServer({
    cert: readFileSync(server.cert), key: readFileSync(server.key), ca: readFileSync(ca.cert),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (socket: TLSSocket) => {
    front.accepted.push(String(socket.getPeerCertificate().subject?.CN));
    const upstream = createConnection({ host, port: Number(port) });
    for (const s of [socket, upstream]) {
      open.add(s);
      s.once('close', () => open.delete(s));
    }
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  srv.on('tlsClientError', () => front.refused++);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  front.address = `localhost:${(srv.address() as { port: number }).port}`;
  front.close = () => new Promise<void>((resolve) => {
    srv.close(() => resolve());
    for (const s of open) s.destroy();
  });
  return front;
}
