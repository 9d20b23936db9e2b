import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CreateLoginProfileCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Clients } from '../../src/clients';
import type { ProviderName } from '../../src/webhooks/registry';
import { MOTO_ACCOUNT_ID, type Moto, startMoto } from './moto';
import { chain, FakeSessionManager, noServiceCredentials } from './moto-gaps';
import { type FaultProxy, startFaultProxy } from './proxy';
import { LOCAL_WEBHOOK_SECRETS, WEBHOOK_SECRET_PREFIX } from './secrets';
import {
  createDenyGroup,
  createStateTable,
  createTopicWithInbox,
  createUser,
  drainInbox,
  type Inbox,
  motoClients,
  type SeededUser,
} from './seed';
import { toRecord } from './sqs-record';

/**
 * The local loop behind `npm run local`: moto, the `local` stage's resources and the person the sample
 * events name, `serverless offline --stage local` for the HTTP routes, and a poll loop that hands what the
 * webhook queues to the revocation worker, as the SQS event source mapping does in AWS (serverless-offline
 * does not poll SQS). A signed `events/hr-*.json` sent with curl thus ends with the person's users revoked.
 * Never bundled into a handler.
 *
 * The worker runs inside serverless-offline (its Lambda endpoint, `POST /2015-03-31/functions/<name>/invocations`),
 * so it is the bundle serverless-esbuild builds, with the `local` stage's environment from serverless.yml.
 * Stand-ins, because moto 5.2.1 lacks them: Session Manager (`DescribeSessions`, `TerminateSession`) and
 * `ListServiceSpecificCredentials`, answered by the proxy in front of moto (tools/local/moto-gaps.ts); the
 * functions' SDK points at that proxy, every other call reaches moto unchanged.
 */

const REPO = resolve(__dirname, '../..');
const REGION = 'us-east-1';

/** The `local` stage's resource names (serverless.yml `params.local`, service `offboarding`). */
export const LOCAL_STAGE = Object.freeze({
  stateTable: 'offboarding-local-state',
  topic: 'offboarding-local-notifications',
  departureQueue: 'offboarding-local-departures',
  accountQueue: 'offboarding-local-accounts',
  denyGroup: 'offboarding-local-denied',
  /** The worker's name in serverless-offline: `<service>-<stage>-<function>`. */
  worker: 'offboarding-local-revocationWorker',
  denyPolicyArn: 'arn:aws:iam::aws:policy/AWSDenyAll',
  scheduleGroup: 'offboarding-local',
});

const CI_DEPLOY_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

/** The person every `events/hr-*.json` names (Jane Doe), and her IAM user as the loop seeds it. */
export const LOCAL_PERSON = Object.freeze({
  userName: 'jane.doe',
  employeeId: 'E-1042',
  email: 'jane.doe@example.com',
  /** The instance of her open Session Manager session (simulated: moto has no Session Manager). */
  instance: 'i-0a1b2c3d4e5f6a7b8',
});

export interface LocalLoopOptions {
  /** serverless-offline's HTTP port (default 3000). */
  readonly httpPort?: number;
  /** serverless-offline's Lambda endpoint port (default 3002). */
  readonly lambdaPort?: number;
  /** moto's port (default: a free one). */
  readonly motoPort?: number;
  /** Milliseconds between two polls of the departure queue when it was empty (default 1000). */
  readonly pollIntervalMs?: number;
  /** Milliseconds to wait for serverless-offline to be ready (default 180000). */
  readonly startTimeoutMs?: number;
  /** Where progress lines go (default: nowhere). */
  readonly log?: (line: string) => void;
}

export interface LocalLoop {
  readonly moto: Moto;
  /** The endpoint the functions' SDK uses: moto behind the proxy that stands in for Session Manager. */
  readonly awsEndpoint: string;
  /** serverless-offline's base URL: `POST <httpUrl>/hr/<provider>`. */
  readonly httpUrl: string;
  readonly lambdaUrl: string;
  /** Clients straight to moto (moto's unauthenticated `testing` key), to inspect what the loop did. */
  readonly clients: Clients;
  readonly person: SeededUser;
  /** Jane's open Session Manager sessions, simulated for the functions (moto has no Session Manager). */
  readonly sessions: FakeSessionManager;
  readonly departureQueueUrl: string;
  readonly inbox: Inbox;
  /** Messages the worker took without a failure (deleted from the queue) since the start. */
  processed(): number;
  /**
   * Hands every departure queued so far to the worker (one invoke per batch of up to 10), deletes those it
   * did not report as failed, and logs the notifications published; returns how many it handed over.
   */
  drainOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A copy of the service to run serverless in: serverless-esbuild bundles into `<service>/.esbuild` and
 * deletes it on exit, which would break another serverless run (a test, `npm run package`) in the same
 * checkout. Sources are symlinked, so the copy always runs the checkout's code.
 */
export function stageService(dir: string, repo = REPO): void {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  for (const file of ['serverless.yml', 'package.json']) copyFileSync(join(repo, file), join(dir, file));
  for (const path of ['handlers', 'src', 'infra', 'node_modules', 'tsconfig.json', 'events']) {
    symlinkSync(join(repo, path), join(dir, path));
  }
}

/** Creates what the `local` stage's functions read and write, the webhook secrets and the person. */
async function seed(clients: Clients, sessions: FakeSessionManager) {
  await createStateTable(clients.ddb, LOCAL_STAGE.stateTable);
  const inbox = await createTopicWithInbox(clients.sns, clients.sqs, LOCAL_STAGE.topic);
  await createDenyGroup(clients.iam, LOCAL_STAGE.denyGroup, LOCAL_STAGE.denyPolicyArn);
  // The departure queue with its DLQ, as serverless.yml declares it, but a 30 s visibility timeout instead
  // of 900 s: a failed message comes back within the minute.
  const dlq = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: `${LOCAL_STAGE.departureQueue}-dlq` }),
  );
  const dlqArn = await queueArn(clients, dlq.QueueUrl ?? '');
  const queue = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: LOCAL_STAGE.departureQueue,
      Attributes: {
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  await clients.sqs.send(new CreateQueueCommand({ QueueName: LOCAL_STAGE.accountQueue }));
  for (const [provider, secret] of Object.entries(LOCAL_WEBHOOK_SECRETS)) {
    await clients.ssmHome.send(
      new PutParameterCommand({
        Name: `${WEBHOOK_SECRET_PREFIX}${provider as ProviderName}`,
        Type: 'SecureString',
        Value: secret,
        Overwrite: true,
      }),
    );
  }
  const person = await createUser(clients.iam, LOCAL_PERSON.userName, {
    tags: { 'employee-id': LOCAL_PERSON.employeeId, email: LOCAL_PERSON.email },
    keys: 1,
    allowAll: true,
  });
  await clients.iam.send(
    new CreateLoginProfileCommand({ UserName: LOCAL_PERSON.userName, Password: 'Local-console-0nly!' }),
  );
  sessions.open(`arn:aws:iam::${MOTO_ACCOUNT_ID}:user/${LOCAL_PERSON.userName}`, LOCAL_PERSON.instance);
  // What the lockdown samples name: user alice (events/lockdown-user.json, lockdown-dry-run.json,
  // restore-user.json) and role ci-deploy (lockdown-role.json, restore-role.json).
  await createUser(clients.iam, 'alice', { tags: { email: 'alice@example.com' }, keys: 1, allowAll: true });
  await clients.iam.send(
    new CreateRoleCommand({ RoleName: 'ci-deploy', AssumeRolePolicyDocument: CI_DEPLOY_TRUST }),
  );
  // The schedule group of departures effective ahead (events/hr-standard-scheduled.json).
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: LOCAL_STAGE.scheduleGroup }));
  return {
    inbox,
    person,
    departureQueueUrl: queue.QueueUrl ?? '',
    departureQueueArn: await queueArn(clients, queue.QueueUrl ?? ''),
  };
}

async function queueArn(clients: Clients, url: string): Promise<string> {
  const r = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return r.Attributes?.QueueArn ?? '';
}

interface Offline {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `serverless offline --stage local` in `serviceDir` and waits for "Server ready". */
async function startOffline(
  serviceDir: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<Offline> {
  const bin = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  // Its own process group, so stop() ends serverless and whatever it started, and nothing else.
  const child = spawn(process.execPath, [bin, 'offline', '--stage', 'local'], {
    cwd: serviceDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let exited = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20000);
    for (const line of text.split('\n')) if (line.trim()) log(`offline | ${line}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => killGroup('SIGKILL');
  process.once('exit', killOnExit);
  const done = new Promise<void>((res) => {
    child.once('exit', () => {
      exited = true;
      process.removeListener('exit', killOnExit);
      res();
    });
  });
  const stop = async () => {
    if (exited) return;
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  while (!/Server ready:/.test(output)) {
    if (exited) throw new Error(`serverless offline exited before it was ready:\n${output.slice(-4000)}`);
    // osls prints an error and its environment, then keeps running without serving: stop it.
    if (/^Error:/m.test(output)) {
      await stop();
      throw new Error(`serverless offline failed to start:\n${output.slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`serverless offline was not ready within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => output, stop };
}

/**
 * Starts the local loop; {@link LocalLoop.stop} ends every process it started.
 * @example
 * const loop = await startLocalLoop({ log: console.log });
 * // curl a signed sample to `${loop.httpUrl}/hr/standard`: jane.doe is revoked within a poll
 * await loop.stop();
 */
export async function startLocalLoop(options: LocalLoopOptions = {}): Promise<LocalLoop> {
  const log = options.log ?? (() => {});
  const httpPort = options.httpPort ?? 3000;
  const lambdaPort = options.lambdaPort ?? 3002;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const moto = await startMoto({ region: REGION, ...(options.motoPort ? { port: options.motoPort } : {}) });
    cleanups.push(() => moto.stop());
    log(`moto_server on ${moto.endpoint}`);
    const clients = motoClients(moto);
    const sessions = new FakeSessionManager();
    const proxy: FaultProxy = await startFaultProxy({
      upstream: moto.endpoint,
      intercept: chain(sessions.intercept, noServiceCredentials),
    });
    cleanups.push(() => proxy.close());
    log(`stand-in for Session Manager in front of moto on ${proxy.endpoint}`);
    const seeded = await seed(clients, sessions);
    log(
      `seeded: ${LOCAL_STAGE.stateTable}, ${LOCAL_STAGE.topic}, ${LOCAL_STAGE.departureQueue}, ${LOCAL_STAGE.denyGroup}, ` +
        `webhook secrets ${WEBHOOK_SECRET_PREFIX}{${Object.keys(LOCAL_WEBHOOK_SECRETS).join(',')}}, ` +
        `user ${LOCAL_PERSON.userName} (employee-id ${LOCAL_PERSON.employeeId}, ${LOCAL_PERSON.email}: a key, a console password, an SSM session), ` +
        `user alice and role ci-deploy (the lockdown samples), schedule group ${LOCAL_STAGE.scheduleGroup}`,
    );

    const serviceDir = mkdtempSync(join(tmpdir(), 'offboarding-local-'));
    const removeServiceDir = () => rmSync(serviceDir, { recursive: true, force: true });
    // Also when the process exits without stop() (interrupted while starting).
    process.once('exit', removeServiceDir);
    cleanups.push(() => {
      process.removeListener('exit', removeServiceDir);
      removeServiceDir();
    });
    stageService(serviceDir);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: join(serviceDir, 'tmp'),
      ...moto.env,
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_SHARED_CREDENTIALS_FILE: join(serviceDir, 'tmp', 'none'),
      AWS_CONFIG_FILE: join(serviceDir, 'tmp', 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      OFFLINE_HTTP_PORT: String(httpPort),
      OFFLINE_LAMBDA_PORT: String(lambdaPort),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    };
    log(`serverless offline --stage local (http ${httpPort}, lambda ${lambdaPort}): bundling...`);
    const started = Date.now();
    const offline = await startOffline(serviceDir, env, options.startTimeoutMs ?? 180000, log);
    cleanups.push(() => offline.stop());
    log(`serverless offline ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const lambdaUrl = `http://127.0.0.1:${lambdaPort}`;
    let processed = 0;
    const drainOnce = async (): Promise<number> => {
      const r = await drainQueue({
        sqs: clients.sqs,
        queueUrl: seeded.departureQueueUrl,
        queueArn: seeded.departureQueueArn,
        region: REGION,
        invoke: (event) => invokeWorker(lambdaUrl, event),
      });
      processed += r.done;
      if (r.handed) {
        log(
          `worker: ${r.handed} departure message(s), ${r.done} done` +
            (r.failed ? `, ${r.failed} failed (back on the queue in 30 s, to the DLQ after 5 receives)` : ''),
        );
      }
      for (const n of await drainInbox(clients.sqs, seeded.inbox.queueUrl)) {
        log(`notification: ${n.subject ?? '(no subject)'}`);
      }
      return r.handed;
    };

    let running = true;
    let current: Promise<unknown> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      current = drainOnce()
        .catch((err: unknown) =>
          log(`worker poll failed: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => {
          if (running) timer = setTimeout(tick, options.pollIntervalMs ?? 1000);
        });
    };
    tick();
    cleanups.push(async () => {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    });

    return {
      moto,
      awsEndpoint: proxy.endpoint,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      lambdaUrl,
      clients,
      person: seeded.person,
      sessions,
      departureQueueUrl: seeded.departureQueueUrl,
      inbox: seeded.inbox,
      processed: () => processed,
      drainOnce,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A queue and the function its event source mapping would invoke. */
export interface QueueToWorker {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** Runs the worker on one SQS batch; returns the ids of the messages it reports as failed. */
  readonly invoke: (event: SQSEvent) => Promise<ReadonlySet<string>>;
}

export interface DrainResult {
  /** Messages handed to the worker. */
  readonly handed: number;
  /** Of those, handled without a failure: deleted from the queue. */
  readonly done: number;
  /** Reported as failed (`batchItemFailures`): left on the queue, back after its visibility timeout. */
  readonly failed: number;
}

/**
 * Hands every message now on the queue to the worker, in batches of up to 10, as Lambda's SQS event source
 * mapping with `ReportBatchItemFailures` does: deletes the messages the worker did not report as failed and
 * leaves the failed ones (the queue's redrive policy moves them to the DLQ after `maxReceiveCount` receives).
 * Stops at the first batch with a failure, so a failing message is not received again within this drain. An
 * invoke that throws leaves its whole batch on the queue and is rethrown.
 */
export async function drainQueue(q: QueueToWorker): Promise<DrainResult> {
  let handed = 0;
  let done = 0;
  let failed = 0;
  for (;;) {
    const r = await q.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: q.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    if (!messages.length) break;
    handed += messages.length;
    const failures = await q.invoke({ Records: messages.map((m) => toRecord(m, q.queueArn, q.region)) });
    const ok = messages.filter((m) => !failures.has(m.MessageId ?? ''));
    if (ok.length) {
      await q.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: q.queueUrl,
          Entries: ok.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    done += ok.length;
    failed += messages.length - ok.length;
    if (ok.length < messages.length) break;
  }
  return { handed, done, failed };
}

/**
 * Invokes the worker through serverless-offline's Lambda endpoint with an SQS batch; returns the message ids
 * it reported as failed (`batchItemFailures`); throws when the invoke itself failed (the whole batch stays on the
 * queue and comes back after the visibility timeout, as in AWS).
 */
async function invokeWorker(lambdaUrl: string, event: SQSEvent): Promise<Set<string>> {
  const res = await fetch(`${lambdaUrl}/2015-03-31/functions/${LOCAL_STAGE.worker}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const text = await res.text();
  if (!res.ok || res.headers.get('x-amz-function-error') || res.headers.get('x-amzn-errortype')) {
    throw new WorkerInvokeError(
      `revocation worker invoke failed (HTTP ${res.status}): ${text.slice(0, 2000)}`,
    );
  }
  const payload = (text ? JSON.parse(text) : {}) as Partial<SQSBatchResponse>;
  // As the event source mapping reads it: no `batchItemFailures`, every message succeeded.
  return new Set((payload.batchItemFailures ?? []).map((f) => f.itemIdentifier));
}

export class WorkerInvokeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerInvokeError';
  }
}
