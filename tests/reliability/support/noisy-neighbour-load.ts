/**
 * The noisy-neighbour gate's load, sent from a process of its own: the well-behaved tenants' senders, the
 * attacker's lanes and the /healthz probe, phase after phase. Not from jest's process: its heap (jest's module
 * registry, the hub loaded there for the setup) is collected in bursts that take both cores for a quarter of a
 * second, which delayed the senders and the hub alike, and the gate counted that as the hub's latency.
 *
 * Reads a `LoadPlan` as JSON on stdin; writes a `LoadReport` as JSON on stdout.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import { createPresetMappingSet, customSchemaUrnFor } from '../../../src/domain/mapping/presets';
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA, PATCH_OP_SCHEMA, SEARCH_REQUEST_SCHEMA } from '../../../src/scim/protocol/schema-definitions';
import { renderMappingFile } from '../../../src/services/mapping-file';

export interface LoadPlan {
  readonly baseUrl: string;
  readonly phaseMs: number;
  readonly requestsPerSecond: number;
  readonly neighbours: readonly { readonly index: number; readonly token: string; readonly userIds: readonly string[] }[];
  readonly attacker: { readonly token: string; readonly adminKey: string; readonly slug: string };
  /** Connections each attack is sent from, each request right after the last. */
  readonly attackerLanes: number;
  /** The bulk-write flood's connections (each a 50-operation bulk right after the last, Retry-After ignored). */
  readonly floodLanes: number;
  /** Every other preview is also one over the limit (full mode). */
  readonly previewOverLimit: boolean;
}

export interface PhaseFigures {
  readonly name: string;
  readonly latencies: number[];
  readonly errors: string[];
  readonly healthz: number[];
  readonly attacks: Record<string, number>;
  /** How late this process's own event loop ran at worst (ms): every latency above includes it. */
  generatorLagMax: number;
}

export interface LoadReport {
  readonly phases: PhaseFigures[];
  /** Each user the neighbours posted, with the time (epoch ms) its 201 arrived. */
  readonly postedAt: [string, number][];
}

const FLOOD_OPERATIONS = 50;

async function run(plan: LoadPlan): Promise<LoadReport> {
  const base = plan.baseUrl;
  // undici's request, not fetch: the load generator shares the 2 cores with the hub, and fetch costs it several times the CPU per request.
  const scim = async (token: string, method: Dispatcher.HttpMethod, path: string, body?: unknown) => {
    const response = await request(`${base}/scim/v2${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, arrayBuffer: () => response.body.arrayBuffer() };
  };
  // The attacker's bodies are serialised once.
  const bodies = new Map<unknown, string>();
  const graphql = (query: string, variables: Record<string, unknown>) => {
    const key = Object.values(variables).at(-1);
    let body = bodies.get(key);
    if (body === undefined) {
      body = JSON.stringify({ query, variables });
      bodies.set(key, body);
    }
    return request(`${base}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${plan.attacker.adminKey}`, 'Content-Type': 'application/json' }, body }).then((response) => ({
      status: response.statusCode,
      json: () => response.body.json(),
    }));
  };

  // The attacks, each sent back to back from the attacker's lanes (the bulk flood from the flood lanes) while its phase lasts.
  const anchors = `rules: [${Array.from({ length: 15_000 }, (_, index) => `&a${index} y, *a${index}`).join(', ')}]\n`;
  const bigList = `rules: [${Array.from({ length: 240_000 }, () => 'y').join(', ')}]\n`;
  // The largest dry run accepted (100 payloads, 200 requests, mapped on the worker threads), and in full mode
  // also one over the limit (2,000 requests, 680 KB: refused, after the event loop decoded its body).
  const previewPayloads = (requests: number) => Array.from({ length: 100 }, (_, index) => ({
    label: `p${index}`,
    requests: Array.from({ length: requests }, (_, step) =>
      step === 0
        ? { method: 'POST', body: { schemas: [CORE_USER_SCHEMA], userName: `p${index}@attacker.example`, userType: 'user', title: 'x'.repeat(200) } }
        : { method: 'PATCH', body: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: `${'t'.repeat(200)}${step}` }] } },
    ),
  }));
  const withinLimit = previewPayloads(2);
  const overLimit = previewPayloads(20);
  const presetYaml = renderMappingFile(createPresetMappingSet('entra', customSchemaUrnFor(plan.attacker.slug)));
  const emailTerms = Array.from({ length: 800 }, (_, index) => `emails[value co "${index}"]`).join(' or ').slice(0, 20_000).replace(/ or [^ ]*$/, '');
  const rawTerms = Array.from({ length: 100 }, (_, index) => `name.formatted co "zz${index}"`).join(' or ');
  let attackerUser = 0;
  let floodBatch = 0;
  const attacks: Record<string, (lane: number, round: number) => Promise<string>> = {
    'hostile YAML': async (_lane, round) => {
      const response =
        round % 2 === 0
          ? await graphql('mutation($yaml: String) { draftMappingSet(input: { yaml: $yaml }) { version } }', { yaml: anchors })
          : await graphql('query($yaml: String) { previewMapping(input: { yaml: $yaml, dialectSamples: true }) { notes } }', { yaml: bigList });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      return String(body.errors?.[0]?.extensions?.code ?? response.status);
    },
    'huge preview': async (_lane, round) => {
      const payloads = plan.previewOverLimit && round % 2 === 1 ? overLimit : withinLimit;
      const response = await graphql('query($yaml: String, $payloads: [PreviewPayloadInput!]) { previewMapping(input: { yaml: $yaml, payloads: $payloads }) { notes } }', { yaml: presetYaml, payloads });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      return String(body.errors?.[0]?.extensions?.code ?? response.status);
    },
    'hostile filter': async (_lane, round) => {
      const filter = round % 2 === 0 ? emailTerms : rawTerms;
      const response = await scim(plan.attacker.token, 'POST', '/Users/.search', { schemas: [SEARCH_REQUEST_SCHEMA], filter, count: 100 });
      await response.arrayBuffer();
      return String(response.status);
    },
    'slow webhooks': async () => {
      attackerUser += 1;
      const response = await scim(plan.attacker.token, 'POST', '/Users', { schemas: [CORE_USER_SCHEMA], userName: `hook${attackerUser}@attacker.example` });
      await response.arrayBuffer();
      return String(response.status);
    },
    'bulk writes': async () => {
      floodBatch += 1;
      const Operations = Array.from({ length: FLOOD_OPERATIONS }, (_, index) => ({ method: 'POST', path: '/Users', bulkId: `f${index}`, data: { schemas: [CORE_USER_SCHEMA], userName: `flood${floodBatch}-${index}@attacker.example` } }));
      const response = await scim(plan.attacker.token, 'POST', '/Bulk', { schemas: [BULK_REQUEST_SCHEMA], Operations });
      await response.arrayBuffer();
      return String(response.status);
    },
  };
  const lanesOf = (attack: string) => (attack === 'bulk writes' ? plan.floodLanes : plan.attackerLanes);

  let posted = 0;
  const postedAt: [string, number][] = [];
  const phases: PhaseFigures[] = [];
  // A server in use has run each kind of request before: once each, then the warm-up phase.
  for (const attack of Object.values(attacks)) await attack(0, 0);
  await attacks['hostile YAML']!(0, 1);
  await attacks['hostile filter']!(0, 1);
  // A warm-up phase that is not judged, then a quiet phase, which shows the machine's own figure, then each attack.
  for (const name of ['warm-up', 'quiet', ...Object.keys(attacks)]) {
    const phase: PhaseFigures = { name, latencies: [], errors: [], healthz: [], attacks: {}, generatorLagMax: 0 };
    phases.push(phase);
    const generatorLag = monitorEventLoopDelay({ resolution: 10 });
    generatorLag.enable();
    const until = performance.now() + plan.phaseMs;
    const inFlight: Promise<void>[] = [];
    const attack = attacks[name];
    const attackers = attack
      ? Array.from({ length: lanesOf(name) }, async (_, lane) => {
          for (let round = 0; performance.now() < until; round += 1) {
            const outcome = await attack(lane, round).catch((error: unknown) => `failed: ${String(error)}`);
            phase.attacks[outcome] = (phase.attacks[outcome] ?? 0) + 1;
          }
        })
      : [];
    const healthz = (async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await request(`${base}/healthz`);
        await response.body.arrayBuffer();
        phase.healthz.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // Each tenant sends on a fixed schedule (open loop): a slow answer does not slow the sending.
    const senders = plan.neighbours.map(async (neighbour) => {
      const intervalMs = 1000 / plan.requestsPerSecond;
      let next = performance.now() + Math.random() * intervalMs;
      for (let sent = 0; next < until; sent += 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
        next += intervalMs;
        const userId = neighbour.userIds[sent % neighbour.userIds.length]!;
        const kind = sent % 5;
        const started = performance.now();
        let call: Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
        if (kind === 0) {
          posted += 1;
          const userName = `u${posted}@neighbour-${neighbour.index}.example`;
          call = scim(neighbour.token, 'POST', '/Users', { schemas: [CORE_USER_SCHEMA], userName }).then((response) => {
            postedAt.push([userName, Date.now()]);
            return response;
          });
        } else if (kind === 1 || kind === 3) {
          call = scim(neighbour.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "seed${sent % 20}@neighbour-${neighbour.index}.example"`)}`);
        } else if (kind === 2) {
          call = scim(neighbour.token, 'GET', `/Users/${userId}`);
        } else {
          call = scim(neighbour.token, 'PATCH', `/Users/${userId}`, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: `t${sent}` }] });
        }
        inFlight.push(
          call
            .then(async (response) => {
              await response.arrayBuffer();
              phase.latencies.push(performance.now() - started);
              if (response.status >= 300) phase.errors.push(`HTTP ${response.status}`);
            })
            .catch((error: unknown) => {
              phase.errors.push(String(error));
            }),
        );
      }
    });
    await Promise.all([...senders, ...attackers, healthz]);
    await Promise.all(inFlight);
    generatorLag.disable();
    phase.generatorLagMax = generatorLag.max / 1e6;
  }
  return { phases, postedAt };
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

readStdin()
  .then((text) => run(JSON.parse(text) as LoadPlan))
  .then((report) => {
    // Exit once the report is flushed: a pipe takes it in chunks.
    process.stdout.write(JSON.stringify(report), () => process.exit(0));
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
