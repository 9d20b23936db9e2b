import {
  CreateLoginProfileCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { type Clients, makeClients } from '../src/clients';
import type { Config } from '../src/config';
import { type RevocationRequest, runRevocation } from '../src/engine/revoke';
import type { RevocationReport } from '../src/engine/types';
import { publish, revocationNotification } from '../src/notify';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from '../tools/local/moto';
import { chain, FakeSessionManager, noServiceCredentials } from '../tools/local/moto-gaps';
import { type FaultProxy, startFaultProxy, type TimelineEntry, waveNumbers } from '../tools/local/proxy';
import { createLocalStack, createUser } from '../tools/local/seed';
import { revokeSequentially, serializeCalls } from './sequential-revocation';
import { median } from './stats';

/**
 * Containment latency: how soon a departing user's access is denied, and how soon the whole revocation is
 * done, when every AWS call costs `latencyMs` (added by the proxy in front of moto). The user has two access
 * keys, a console login profile, an MFA device and three open SSM sessions; the mode is `departure`.
 * Three variants, each on fresh identical users:
 * - `engine`: `runRevocation` with the user name known;
 * - `engine-by-email`: the same, the person named by email only (resolution first);
 * - `sequential`: the same plan and calls strictly one at a time ({@link revokeSequentially}).
 */

export interface VariantRun {
  /** From the call to the end of the AttachUserPolicy request (the deny is attached). */
  readonly denyMs: number;
  readonly completeMs: number;
  /** Sequential waves of AWS calls completed before the deny started. */
  readonly roundTripsBeforeDeny: number;
  /** Sequential waves of the whole run (its critical path in round trips). */
  readonly waves: number;
  readonly calls: number;
  readonly byOperation: Record<string, number>;
  readonly outcome: string;
  /** Sessions of the user still open afterwards (must be 0). */
  readonly sessionsLeft: number;
  /** The operations of each wave, in order (`iam:GetUser x1`...): where the round trips go. */
  readonly waveOps: readonly string[][];
}

export interface VariantSummary {
  readonly denyMs: number;
  readonly completeMs: number;
  readonly roundTripsBeforeDeny: number;
  readonly waves: number;
  readonly calls: number;
  readonly runs: readonly VariantRun[];
}

export interface ContainmentResult {
  readonly latencyMs: number;
  readonly repetitions: number;
  readonly engine: VariantSummary;
  readonly engineByEmail: VariantSummary;
  readonly sequential: VariantSummary;
  /** engine completion / sequential completion (medians). */
  readonly completionRatio: number;
  /** What SSM is in this benchmark, said plainly. */
  readonly ssmNote: string;
}

export const SSM_NOTE =
  'moto has no Session Manager: DescribeSessions and TerminateSession are answered by an in-memory fake ' +
  'behind the same proxy (tools/local/moto-gaps.ts), so each SSM call also costs the added latency; the SDK SSM ' +
  'client is the real one. moto also lacks ListServiceSpecificCredentials (HTTP 500, retried by the SDK): ' +
  'the proxy answers it with an empty list, as AWS does for a user without such credentials (tools/local/moto-gaps.ts).';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * A departing user as the benchmark needs: 2 keys, login profile, MFA, person tags (`employee-id`
 * `E-<user name>`, `email` `<user name>@example.com`), 3 open SSM sessions; in the account `iam` acts on
 * (`accountId`, which names the sessions' owner ARN).
 */
export async function seedDepartingUser(
  iam: IAMClient,
  ssm: FakeSessionManager,
  userName: string,
  accountId: string = MOTO_ACCOUNT_ID,
): Promise<void> {
  await createUser(iam, userName, {
    tags: { 'employee-id': `E-${userName}`, email: `${userName}@example.com` },
    keys: 2,
  });
  await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'S3cure-Passw0rd!' }));
  const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: userName }));
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: mfa.VirtualMFADevice?.SerialNumber,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
  const arn = `arn:aws:iam::${accountId}:user/${userName}`;
  for (let i = 1; i <= 3; i++) ssm.open(arn, `i-0bastion00000000${i}`);
}

export interface ContainmentBed {
  readonly moto: Moto;
  readonly proxy: FaultProxy;
  readonly ssm: FakeSessionManager;
  readonly config: Config;
  /** Clients through the proxy, concurrent (the engine's). */
  readonly clients: Clients;
  /** Clients through the proxy, one call at a time between them all (the sequential peer's). */
  readonly serialClients: Clients;
  /** Unproxied clients for seeding. */
  readonly setup: Clients;
  close(): Promise<void>;
}

/** moto, the proxy with the fake Session Manager in front of it, the state table and the topic. */
export async function startContainmentBed(): Promise<ContainmentBed> {
  const moto = await startMoto();
  const ssm = new FakeSessionManager();
  const proxy = await startFaultProxy({
    upstream: moto.endpoint,
    intercept: chain(ssm.intercept, noServiceCredentials),
  });
  try {
    const setup = makeClients({ region: REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS });
    const stack = await createLocalStack(setup, { sessionRegions: [REGION] });
    const clients = makeClients({ region: REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS });
    const serialClients = makeClients({ region: REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS });
    serializeCalls([
      serialClients.iam,
      serialClients.ssm(REGION),
      serialClients.sns,
      serialClients.ddb,
      serialClients.sqs,
    ]);
    // Other people's sessions, so the owner filter has something to leave alone.
    for (let i = 1; i <= 4; i++)
      ssm.open(`arn:aws:iam::${MOTO_ACCOUNT_ID}:user/colleague-${i}`, `i-0other${i}`);
    return {
      moto,
      proxy,
      ssm,
      config: stack.config,
      clients,
      serialClients,
      setup,
      async close() {
        await proxy.close();
        await moto.stop();
      },
    };
  } catch (err) {
    await proxy.close();
    await moto.stop();
    throw err;
  }
}

type Variant = 'engine' | 'engine-by-email' | 'sequential';

function measure(
  bed: ContainmentBed,
  userName: string,
  t0: number,
  t1: number,
  report: RevocationReport,
): VariantRun {
  const timeline: TimelineEntry[] = bed.proxy.timeline();
  const deny = timeline.find((e) => e.operation === 'iam:AttachUserPolicy');
  if (!deny) throw new Error(`no AttachUserPolicy call in the ${userName} run (outcome ${report.outcome})`);
  const arn = `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/${userName}`;
  const waves = waveNumbers(timeline);
  const perWave: Record<string, number>[] = [];
  timeline.forEach((e, i) => {
    const w = (waves[i] as number) - 1;
    const ops = perWave[w] ?? {};
    ops[e.operation] = (ops[e.operation] ?? 0) + 1;
    perWave[w] = ops;
  });
  return {
    denyMs: deny.end - t0,
    completeMs: t1 - t0,
    roundTripsBeforeDeny: bed.proxy.roundTripsBefore((e) => e.operation === 'iam:AttachUserPolicy') ?? -1,
    waves: waves.reduce((m, w) => Math.max(m, w), 0),
    calls: timeline.length,
    byOperation: bed.proxy.stats().byOperation,
    outcome: report.outcome,
    sessionsLeft: bed.ssm.active().filter((s) => s.Owner === arn).length,
    waveOps: Array.from(perWave, (ops) =>
      Object.entries(ops ?? {}).map(([op, n]) => (n > 1 ? `${op} x${n}` : op)),
    ),
  };
}

/** Seeds a fresh user and revokes it with one variant, through the proxy at `latencyMs`. */
export async function runVariant(
  bed: ContainmentBed,
  variant: Variant,
  userName: string,
  latencyMs: number,
): Promise<VariantRun> {
  bed.proxy.configure({ latencyMs: 0 });
  await seedDepartingUser(bed.setup.iam, bed.ssm, userName);
  bed.proxy.configure({ latencyMs });
  bed.proxy.reset();
  const deps = { config: bed.config, clients: bed.clients, now: new Date() };
  const request = (target: RevocationRequest['target']): RevocationRequest => ({
    trigger: 'departure',
    mode: 'departure',
    target,
    reason: 'benchmark departure',
    requestedBy: 'bench',
  });
  // As the departure worker does: the engine's run, then its one notification.
  const revokeAndNotify = async (target: RevocationRequest['target']) => {
    const r = await runRevocation(request(target), deps);
    await publish(bed.clients, bed.config, revocationNotification(r));
    return r;
  };
  const t0 = performance.now();
  const report =
    variant === 'engine'
      ? await revokeAndNotify({ userName })
      : variant === 'engine-by-email'
        ? await revokeAndNotify({ email: `${userName}@example.com` })
        : await revokeSequentially(
            { userName, mode: 'departure', reason: 'benchmark departure', requestedBy: 'bench' },
            { ...deps, clients: bed.serialClients },
          );
  const t1 = performance.now();
  const run = measure(bed, userName, t0, t1, report);
  bed.proxy.configure({ latencyMs: 0 });
  return run;
}

function summarize(runs: VariantRun[]): VariantSummary {
  return {
    denyMs: median(runs.map((r) => r.denyMs)),
    completeMs: median(runs.map((r) => r.completeMs)),
    roundTripsBeforeDeny: median(runs.map((r) => r.roundTripsBeforeDeny)),
    waves: median(runs.map((r) => r.waves)),
    calls: median(runs.map((r) => r.calls)),
    runs,
  };
}

/**
 * Runs each variant `repetitions` times (interleaved, fresh users each time) and reports medians.
 * Throws when a run does not end `revoked` with every session closed: a fast wrong answer is no result.
 */
export async function benchContainment(
  options: { latencyMs?: number; repetitions?: number; log?: (line: string) => void } = {},
): Promise<ContainmentResult> {
  const latencyMs = options.latencyMs ?? 50;
  const repetitions = options.repetitions ?? 5;
  const log = options.log ?? (() => {});
  const bed = await startContainmentBed();
  try {
    const runs: Record<Variant, VariantRun[]> = { engine: [], 'engine-by-email': [], sequential: [] };
    // A warm-up run per variant (connections, lazy SDK loading), not counted.
    for (const v of ['engine', 'engine-by-email', 'sequential'] as const) {
      await runVariant(bed, v, `warmup-${v}`, latencyMs);
    }
    for (let i = 1; i <= repetitions; i++) {
      for (const v of ['engine', 'engine-by-email', 'sequential'] as const) {
        const run = await runVariant(bed, v, `leaver-${v}-${i}`, latencyMs);
        if (run.outcome !== 'revoked' || run.sessionsLeft !== 0) {
          throw new Error(`${v} run ${i} ended ${run.outcome} with ${run.sessionsLeft} session(s) open`);
        }
        runs[v].push(run);
        log(
          `containment ${v} #${i}: deny ${run.denyMs.toFixed(0)} ms after ${run.roundTripsBeforeDeny} round trips, done ${run.completeMs.toFixed(0)} ms, ${run.calls} calls in ${run.waves} waves`,
        );
      }
    }
    const engine = summarize(runs.engine);
    const sequential = summarize(runs.sequential);
    return {
      latencyMs,
      repetitions,
      engine,
      engineByEmail: summarize(runs['engine-by-email']),
      sequential,
      completionRatio: engine.completeMs / sequential.completeMs,
      ssmNote: SSM_NOTE,
    };
  } finally {
    await bed.close();
  }
}
