import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Cron } from 'croner';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../../config/schema.js';
import { findTaskClass, SECRET_ENV_VARS } from '../../../src/cli/compose.js';
import { parseDotenv } from '../../../src/cli/dotenv.js';
import { interpolateAll, parsePort, variableUses } from '../../harness/compose-file.js';
import { argDefaults, expandArgs, parseDockerfile, type DockerInstruction } from '../../harness/dockerfile.js';
import { repoRoot } from '../../harness/spawn.js';

/**
 * No Docker engine runs here: the container files are checked statically, against what the
 * README and docs/operations.md promise. What only Docker can check is listed in the docs.
 */
const read = (p: string): string => readFileSync(path.join(repoRoot, p), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  pull_policy?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: (string | number)[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  hostname?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read('docker/compose.yaml');
const rawCompose = parseYaml(composeText) as ComposeFile;
const envDist = parseDotenv(read('.env.dist'));
const compose = interpolateAll(rawCompose, envDist.values);
const docs = read('docs/operations.md');

function dependsOn(s: Service): Record<string, string> {
  if (!s.depends_on) return {};
  if (Array.isArray(s.depends_on)) return Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(s.depends_on).map(([k, v]) => [k, v.condition]));
}

describe('docker/compose.yaml', () => {
  const services = compose.services;

  it('has the services the docs describe', () => {
    expect(Object.keys(services).sort()).toEqual(['minio', 'minio-init', 'mlflow', 'returns', 'spark-master', 'spark-worker', 'ui']);
    for (const name of Object.keys(services)) expect(docs).toContain(`| \`${name}\` |`);
  });

  it('takes every variable from .env.dist, and secrets only as required references', () => {
    // Every string of the document (comments aside), as compose interpolates them.
    const uses = variableUses(JSON.stringify(rawCompose));
    expect(uses.length).toBeGreaterThan(0);
    const missing = [...new Set(uses.map((u) => u.name))].filter((n) => !(n in envDist.values));
    expect(missing).toEqual([]);
    // No default can stand in for a secret: compose must refuse to start without it.
    for (const u of uses.filter((x) => x.name === 'AWS_SECRET_ACCESS_KEY' || x.name === 'AWS_ACCESS_KEY_ID')) expect(u.operator).toBe(':?');
    for (const [name, s] of Object.entries(rawCompose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (SECRET_ENV_VARS.includes(key) || /PASSWORD|SECRET|TOKEN|_KEY$/.test(key)) {
          expect({ service: name, key, value }).toEqual({ service: name, key, value: expect.stringMatching(/^\$\{[A-Z_]+(:?[-?][^}]*)?\}$/) });
        }
      }
    }
  });

  it('publishes the promised ports on the configured host address (this machine by default)', () => {
    const published = new Map<number, { service: string; hostIp?: string; hostPort: number }>();
    for (const [name, s] of Object.entries(services)) {
      for (const spec of s.ports ?? []) {
        const p = parsePort(spec);
        published.set(p.containerPort, { service: name, hostPort: p.hostPort, ...(p.hostIp ? { hostIp: p.hostIp } : {}) });
      }
    }
    const expected: [number, string][] = [
      [9000, 'minio'],
      [9001, 'minio'],
      [5000, 'mlflow'],
      [7077, 'spark-master'],
      [8080, 'spark-master'],
      [8081, 'spark-worker'],
      [8082, 'ui'],
    ];
    for (const [port, service] of expected) {
      expect(published.get(port)).toEqual({ service, hostPort: port, hostIp: '127.0.0.1' });
      expect(docs).toContain(String(port));
    }
    expect(published.size).toBe(expected.length);
    expect(envDist.values.RETURNS_PUBLISH_ADDRESS).toBe('127.0.0.1');
  });

  it('starts MinIO with its console and creates the buckets once it is healthy', () => {
    const minio = services.minio!;
    expect(minio.command).toEqual(['server', '/data', '--console-address', ':9001']);
    expect(minio.healthcheck?.test).toEqual(['CMD', 'mc', 'ready', 'local']);
    const init = services['minio-init']!;
    expect(init.image).toMatch(/^minio\/mc:/);
    expect(dependsOn(init)).toEqual({ minio: 'service_healthy' });
    const script = (init.command ?? []).join('\n');
    expect(script).toContain('mc alias set store http://minio:9000 "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"');
    expect(script).toMatch(/for bucket in datasets models luigi-checkpoints; do\s+mc mb --ignore-existing "store\/\$bucket"/);
    for (const bucket of ['datasets', 'models', 'luigi-checkpoints']) expect(docs).toContain(`\`${bucket}\``);
    // Pinned releases, not `latest`.
    for (const s of [minio, init]) expect(s.image).toMatch(/:RELEASE\.\d{4}-\d{2}-\d{2}T/);
  });

  it('wires the app and the visualiser to MinIO, MLflow and the Spark master', () => {
    for (const name of ['returns', 'ui']) {
      const env = services[name]!.environment!;
      expect(env).toMatchObject({
        RETURNS_STORE: expect.stringMatching(/^s3:\/\/luigi-checkpoints\/./),
        RETURNS_S3_ENDPOINT: 'http://minio:9000',
        MLFLOW_TRACKING_URI: 'http://mlflow:5000',
        RETURNS_CONFIG: '/etc/returns/config.json',
      });
      expect(services[name]!.volumes).toContain('./returns.config.json:/etc/returns/config.json:ro');
      expect(rawCompose.services[name]!.environment!.AWS_SECRET_ACCESS_KEY).toMatch(/^\$\{AWS_SECRET_ACCESS_KEY:\?/);
      expect(dependsOn(services[name]!)['minio-init']).toBe('service_completed_successfully');
    }
    expect(services.ui!.command).toEqual(['ui', '--host', '0.0.0.0']);
  });

  it('mounts a configuration that points the Spark engine at the master, with the driver reachable by its host name', () => {
    const config = configSchema.parse(JSON.parse(read('docker/returns.config.json')));
    expect(config.spark.master).toBe('spark://spark-master:7077');
    expect(config.spark.conf['spark.driver.host']).toBe(services.returns!.hostname);
    // Bind mounts name files that exist next to the compose file.
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) if (v.startsWith('.')) expect(existsSync(path.join(repoRoot, 'docker', v.split(':')[0]!))).toBe(true);
    }
  });

  it("runs the scheduler with a valid pattern and task, after the services it needs", () => {
    const app = services.returns!;
    expect(app.command).toEqual(['schedule', '--cron', '0 2 * * *', 'Report']);
    expect(() => new Cron(app.command![2]!, { paused: true }).stop()).not.toThrow();
    expect(findTaskClass(app.command![3]!).family).toBe('Report');
    expect(dependsOn(app)).toEqual({ 'minio-init': 'service_completed_successfully', mlflow: 'service_healthy', 'spark-master': 'service_started' });
    expect(app.hostname).toBe('returns');
  });

  it('runs MLflow with a SQLite backend in a volume and artifacts in MinIO', () => {
    const mlflow = services.mlflow!;
    const args = [...(mlflow.entrypoint ?? []), ...(mlflow.command ?? [])];
    expect(args).toEqual(expect.arrayContaining(['mlflow', 'server', '--host=0.0.0.0', '--port=5000', '--serve-artifacts']));
    const backend = args.find((a) => a.startsWith('--backend-store-uri='))!;
    expect(backend).toMatch(/^--backend-store-uri=sqlite:\/\/\/\//);
    const dbFolder = path.posix.dirname(backend.slice('--backend-store-uri=sqlite:///'.length));
    expect(mlflow.volumes).toContain(`mlflow-db:${dbFolder}`);
    expect(args).toContain('--artifacts-destination=s3://models/mlflow');
    expect(mlflow.environment).toMatchObject({ MLFLOW_S3_ENDPOINT_URL: 'http://minio:9000' });
    expect(mlflow.environment!.MLFLOW_SERVER_ALLOWED_HOSTS!.split(',')).toEqual(expect.arrayContaining(['mlflow:5000', 'localhost:5000']));
    expect(mlflow.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:5000/health');
  });

  it('runs a Spark standalone master and a worker that joins it', () => {
    const master = services['spark-master']!;
    const worker = services['spark-worker']!;
    expect([...master.entrypoint!, ...master.command!]).toEqual(['tini', '--', 'spark-class', 'org.apache.spark.deploy.master.Master', '--host', 'spark-master', '--port', '7077', '--webui-port', '8080']);
    expect([...worker.entrypoint!, ...worker.command!.slice(0, 2)]).toEqual(['tini', '--', 'spark-class', 'org.apache.spark.deploy.worker.Worker', 'spark://spark-master:7077']);
    expect(worker.command).toEqual(expect.arrayContaining(['--cores=2', '--memory=2g', '--work-dir=/var/lib/returns/spark']));
    expect(worker.volumes).toContain('spark-work:/var/lib/returns/spark');
  });

  it('builds the one app image once; the other services use it without pulling', () => {
    const users = Object.entries(services).filter(([, s]) => s.image === 'returns:local');
    expect(users.map(([n]) => n).sort()).toEqual(['mlflow', 'returns', 'spark-master', 'spark-worker', 'ui']);
    for (const [name, s] of users) {
      if (name === 'returns') {
        expect(s.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
        expect(path.resolve(repoRoot, 'docker', s.build!.context)).toBe(repoRoot);
      } else {
        expect({ name, build: s.build, pull_policy: s.pull_policy }).toEqual({ name, build: undefined, pull_policy: 'never' });
      }
    }
  });

  it('declares every named volume it mounts, and mounts every one it declares', () => {
    const used = new Set<string>();
    for (const s of Object.values(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) used.add(source);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
    expect([...used].sort()).toEqual(['minio-data', 'mlflow-db', 'spark-work']);
  });

  it('only depends on services it defines', () => {
    for (const s of Object.values(services)) for (const d of Object.keys(dependsOn(s))) expect(Object.keys(services)).toContain(d);
  });
});

describe('docker/Dockerfile', () => {
  const df = parseDockerfile(read('docker/Dockerfile'));
  const globals = argDefaults(df.globalArgs);
  const stage = (name: string) => df.stages.find((s) => s.name === name)!;
  const runs = (ins: readonly DockerInstruction[]): string => ins.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  const final = df.stages[df.stages.length - 1]!;

  it('is multi-stage: a Node 24 build, a Python venv, the Spark jars, then the runtime', () => {
    expect(df.stages.map((s) => s.name)).toEqual(['node-build', 'python-venv', 'spark-jars', 'runtime']);
    expect(expandArgs(stage('node-build').from, globals)).toMatch(/^node:24[-.]/);
    expect(expandArgs(final.from, globals)).toBe(expandArgs(stage('python-venv').from, globals));
  });

  it('copies package-lock.json before running npm ci, then builds and drops dev dependencies', () => {
    const ins = stage('node-build').instructions;
    const lock = ins.findIndex((i) => i.keyword === 'COPY' && i.args.split(/\s+/).includes('package-lock.json'));
    const ci = ins.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(lock);
    expect(runs(ins)).toMatch(/npm run build && npm prune --omit=dev/);
  });

  it('installs requirements.txt into the venv at /app/.venv, next to spark/driver.py as the code expects', () => {
    const ins = stage('python-venv').instructions;
    expect(ins.some((i) => i.keyword === 'COPY' && i.args.startsWith('requirements.txt '))).toBe(true);
    expect(runs(ins)).toMatch(/python -m venv \/app\/\.venv && \/app\/\.venv\/bin\/pip install .*-r \/app\/requirements\.txt/);
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => `${i.flags.from ?? ''}|${i.args}`);
    expect(copies).toEqual(expect.arrayContaining(['python-venv|/app/.venv ./.venv', '|spark ./spark', 'spark-jars|/jars ./.cache/spark-jars', 'node-build|/app/dist ./dist']));
    expect(final.instructions.find((i) => i.keyword === 'WORKDIR')?.args).toBe('/app');
  });

  it('installs a Java 17 runtime for spark-submit and tini as PID 1', () => {
    expect(runs(final.instructions)).toMatch(/apt-get install -y --no-install-recommends openjdk-17-jre-headless .*tini/);
    expect(final.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.json).toEqual(['tini', '--', 'returns']);
    expect(runs(final.instructions)).toContain('exec node /app/dist/src/cli/main.js');
    expect(JSON.parse(read('tsconfig.build.json')).include).toContain('src');
  });

  it('fetches the Spark jars at the versions the Makefile pins', () => {
    const makefile = read('Makefile');
    const stageArgs = argDefaults(stage('spark-jars').instructions);
    for (const name of ['HADOOP_AWS_VERSION', 'AWS_SDK_V2_VERSION', 'S3_ANALYTICS_ACCELERATOR_VERSION']) {
      const inMake = new RegExp(`^${name} := (\\S+)$`, 'm').exec(makefile)?.[1];
      expect({ name, version: stageArgs.get(name) }).toEqual({ name, version: inMake });
    }
    expect(runs(stage('spark-jars').instructions)).toContain('maven-dependency-plugin:3.8.1:copy');
    expect(makefile).toContain('maven-dependency-plugin:3.8.1:copy');
  });

  it('runs as a non-root user, set after the last RUN', () => {
    const users = final.instructions.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!;
    expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    const lastRun = Math.max(...final.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.line));
    expect(user.line).toBeGreaterThan(lastRun);
    // The uid the image creates.
    expect(runs(final.instructions)).toMatch(new RegExp(`useradd .*--uid ${user.args.split(':')[0]} `));
  });

  it('keeps every package the CLI imports after pruning dev dependencies', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const imported = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(path.join(repoRoot, dir))) {
        const rel = path.join(dir, name);
        if (statSync(path.join(repoRoot, rel)).isDirectory()) walk(rel);
        else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) {
          const text = read(rel);
          const specs = [
            ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^.'][^']*)'/gm),
            ...text.matchAll(/^\s*import\s+'([^.'][^']*)'/gm),
            ...text.matchAll(/\bimport\(\s*'([^.'][^']*)'\s*\)/g),
          ].map((m) => m[1]!);
          for (const spec of specs) {
            if (spec.startsWith('node:')) continue;
            const name_ = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
            if (!imported.has(name_)) imported.set(name_, rel);
          }
        }
      }
    };
    // What tsconfig.build.json compiles into the image.
    for (const dir of JSON.parse(read('tsconfig.build.json')).include as string[]) walk(dir);
    expect(imported.size).toBeGreaterThan(5);
    const devOnly = [...imported].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(devOnly).toEqual([]);
  });

  it('holds no secret: no ENV or ARG names one', () => {
    const all = [...df.globalArgs, ...df.stages.flatMap((s) => s.instructions)];
    for (const i of all.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
      for (const secret of SECRET_ENV_VARS) expect(i.args).not.toContain(secret);
    }
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const must of ['.env', '.git', 'node_modules', '.venv', 'data', 'dist']) expect(ignored).toContain(must);
    expect(ignored).toContain('!.env.dist');
    const isIgnored = (p: string): boolean => ignored.some((pat) => !pat.startsWith('!') && !pat.includes('*') && (p === pat || p.startsWith(`${pat}/`)));
    const sources = df.stages
      .flatMap((s) => s.instructions)
      .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.flags.from)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'requirements.txt', 'src', 'tasks', 'config', 'spark']));
    for (const src of sources) {
      expect({ src, exists: existsSync(path.join(repoRoot, src)), ignored: isIgnored(src) }).toEqual({ src, exists: true, ignored: false });
    }
  });
});

describe('.env.dist', () => {
  it('parses, with each variable once', () => {
    expect(envDist.badLines).toEqual([]);
    const keys = read('.env.dist')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds placeholders only: every secret is empty or change-me', () => {
    for (const name of [...SECRET_ENV_VARS, 'AWS_ACCESS_KEY_ID', 'KAGGLE_USERNAME', 'MLFLOW_TRACKING_USERNAME']) {
      expect({ name, value: envDist.values[name] }).toEqual({ name, value: expect.stringMatching(/^(|change-me)$/) });
    }
  });

  it('lists every variable the code reads, and docs/operations.md describes each', () => {
    // Read by the code but deliberately not in .env.dist; docs/operations.md says why.
    const notListed = new Set([
      'AWS_ENDPOINT_URL', // the AWS SDK's alternates of RETURNS_S3_ENDPOINT and AWS_REGION
      'AWS_ENDPOINT_URL_S3',
      'AWS_DEFAULT_REGION',
      'HADOOP_USER_NAME', // an empty value would be sent as a user name
      'XDG_CACHE_HOME',
      'HOME', // operating-system variables
      'PATH',
      'USER',
      'LOGNAME',
      'PYSPARK_PYTHON', // set by the Spark engine and the image
    ]);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(path.join(repoRoot, dir))) {
        const rel = path.join(dir, name);
        if (statSync(path.join(repoRoot, rel)).isDirectory()) walk(rel);
        else if (rel.endsWith('.ts')) files.push(rel);
      }
    };
    for (const dir of ['src', 'tasks', 'config']) walk(dir);
    const read_ = new Map<string, string>();
    const patterns = [/\benv\.([A-Z][A-Z0-9_]+)\b/g, /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g, /\bget\(['"]([A-Z][A-Z0-9_]+)['"]\)/g];
    for (const f of files) {
      const text = read(f);
      for (const re of patterns) for (const m of text.matchAll(re)) if (!read_.has(m[1]!)) read_.set(m[1]!, f);
    }
    expect(read_.size).toBeGreaterThan(10);
    const missing = [...read_].filter(([name]) => !(name in envDist.values) && !notListed.has(name)).map(([name, file]) => `${name} (read in ${file})`);
    // A new variable: add it to .env.dist with a placeholder, and describe it in docs/operations.md.
    expect(missing).toEqual([]);
    for (const name of Object.keys(envDist.values)) expect(docs).toContain(`| \`${name}\` |`);
    for (const name of notListed) if (read_.has(name) && name !== 'PATH') expect(docs).toContain(`\`${name}\``);
  });
});

describe('Makefile', () => {
  const makefile = read('Makefile');
  const recipe = (target: string): { prereqs: string[]; lines: string[] } => {
    const m = new RegExp(`^${target}:([^\\n=]*)\\n((?:\\t.*\\n)*)`, 'm').exec(makefile);
    if (!m) throw new Error(`no target ${target}`);
    return { prereqs: m[1]!.trim().split(/\s+/).filter(Boolean), lines: m[2]!.split('\n').filter(Boolean) };
  };

  it('has build, image, up, down, logs, run and test; up builds the image first', () => {
    for (const t of ['build', 'image', 'up', 'down', 'logs', 'run', 'test', 'compose-check']) expect(() => recipe(t)).not.toThrow();
    expect(recipe('up').prereqs).toContain('image');
    expect(recipe('image').lines.join('\n')).toMatch(/\$\(COMPOSE\) build returns/);
    expect(makefile).toMatch(/^COMPOSE := docker compose -f docker\/compose\.yaml --env-file \.env$/m);
  });

  it('runs on the Node.js 24 that the image uses, within what package.json engines allows', () => {
    const version = /^NODE_VERSION := (\d+)\.\d+\.\d+$/m.exec(makefile)?.[1];
    const dockerNode = argDefaults(parseDockerfile(read('docker/Dockerfile')).globalArgs).get('NODE_IMAGE');
    expect(version).toBe('24');
    expect(dockerNode).toMatch(new RegExp(`^node:${version}-`));
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=22');
    // The fetched binary comes first on PATH for every recipe, npm ci and the tests included.
    expect(makefile).toMatch(/^export PATH := \$\(CURDIR\)\/\$\(NODE_DIR\)\/bin:\$\(PATH\)$/m);
    expect(makefile).toMatch(/^\$\(STAMP_NODE\): .*\$\(STAMP_NODE_BIN\)$/m);
  });

  it('keeps run and test free of Docker', () => {
    for (const t of ['build', 'run', 'test']) {
      const r = recipe(t);
      expect(r.prereqs.filter((p) => ['image', 'up', '.env'].includes(p))).toEqual([]);
      expect(r.lines.join('\n')).not.toMatch(/docker|COMPOSE/);
    }
  });
});
