// How every process reaches Temporal (worker, API, scripts): Temporal's standard client configuration,
// read by @temporalio/envconfig. A TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) with the
// standard variables over it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
// TEMPORAL_GRPC_META_*), so one build runs against the dev server, an mTLS cluster or Temporal Cloud.
// It lives in worker/ because nothing may import api/; it imports only the client, so the API process
// does not load the worker's native runtime.
import { Client, Connection, type ClientOptions, type TLSConfig } from '@temporalio/client';
import type { Metadata } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { dataConverter } from '../codec/data-converter.js';

export interface TemporalSettings {
  /** Usable by both Connection.connect (client) and NativeConnection.connect (worker). */
  connection: { address: string; tls?: TLSConfig | boolean | null; apiKey?: string; metadata?: Metadata };
  namespace: string;
}

/** The settings the environment (and the profile it names) gives; the dev server's defaults otherwise. */
export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const overrideEnvVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const { connectionOptions: o, namespace } = loadClientConnectConfig({ overrideEnvVars });
  const connection: TemporalSettings['connection'] = { address: o.address ?? 'localhost:7233' };
  if (o.tls !== undefined) connection.tls = o.tls;
  if (o.apiKey !== undefined) connection.apiKey = o.apiKey;
  if (o.metadata !== undefined) connection.metadata = o.metadata;
  return { connection, namespace: namespace ?? 'default' };
}

/** One log-safe line: where, which namespace, and how it authenticates (never the secrets). */
export function describeTarget(s: TemporalSettings): Record<string, unknown> {
  const tls = s.connection.tls;
  const mtls = typeof tls === 'object' && tls !== null && tls.clientCertPair !== undefined;
  return {
    address: s.connection.address, namespace: s.namespace,
    tls: mtls ? 'mTLS' : tls ? 'TLS' : 'off', apiKey: s.connection.apiKey !== undefined,
  };
}

export interface ConnectedClient {
  client: Client;
  connection: Connection;
}

/**
 * A Temporal client on these settings, encrypting payloads with the configured keys; `extra` adds what the
 * caller needs (interceptors, a connect timeout).
 */
export async function connectClient(
  settings: TemporalSettings = temporalSettings(),
  extra: { connectTimeoutMs?: number; interceptors?: ClientOptions['interceptors'] } = {},
): Promise<ConnectedClient> {
  const connection = await Connection.connect({
    ...settings.connection, ...(extra.connectTimeoutMs ? { connectTimeout: extra.connectTimeoutMs } : {}),
  });
  const client = new Client({
    connection, namespace: settings.namespace, dataConverter: dataConverter(),
    ...(extra.interceptors ? { interceptors: extra.interceptors } : {}),
  });
  return { client, connection };
}
