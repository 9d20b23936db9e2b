/**
 * `serverless invoke local --stage local` of lockdown and restore with the sample events, against a running
 * moto_server with IAM enforcement on: the deployed bundle's code path (serverless-esbuild, the `local`
 * stage's environment from serverless.yml) end to end, asserted on moto's state.
 *
 * moto has no Session Manager API: SSM is pointed (AWS_ENDPOINT_URL_SSM) at a small fake in this file that
 * answers DescribeSessions/TerminateSession for one open session of alice's.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { stageService } from '../../tools/local/loop';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  type Credentials,
  createAdmin,
  createStateTable,
  createTopicWithInbox,
  createUser,
  drainInbox,
  type Inbox,
  motoClients,
  type SeededUser,
} from '../../tools/local/seed';

const repo = resolve(__dirname, '../..');
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
// The `local` stage's plain-string names (serverless.yml `params.local`).
const TOPIC = 'offboarding-local-notifications';
const TABLE = 'offboarding-local-state';
const ALICE_ARN = 'arn:aws:iam::123456789012:user/alice';

interface FakeSession {
  SessionId: string;
  Owner: string;
  Target: string;
  Status: string;
  StartDate: number;
}

/** Session Manager as far as the engine uses it: DescribeSessions (Active, Owner filter) and TerminateSession. */
function fakeSessionManager(sessions: FakeSession[], terminated: string[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const input = JSON.parse(body || '{}') as {
        Filters?: { key: string; value: string }[];
        SessionId?: string;
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(json));
      };
      if (target === 'AmazonSSM.DescribeSessions') {
        const owner = input.Filters?.find((f) => f.key === 'Owner')?.value;
        const active = sessions.filter(
          (s) => !terminated.includes(s.SessionId) && (!owner || s.Owner === owner),
        );
        return reply(200, { Sessions: active });
      }
      if (target === 'AmazonSSM.TerminateSession') {
        terminated.push(input.SessionId ?? '');
        return reply(200, { SessionId: input.SessionId });
      }
      return reply(400, { __type: 'InvalidAction', message: `${target} is not faked here` });
    });
  });
}

interface Invocation {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let moto: Moto;
let ssmFake: Server;
let ssmEndpoint: string;
let admin: Credentials;
let alice: SeededUser;
let inbox: Inbox;
let serviceDir: string;
const sessions: FakeSession[] = [];
const terminated: string[] = [];

/** `serverless invoke local --stage local -f <fn> -p events/<event>` as the admin, against moto. */
function invokeLocal(fn: string, event: string): Promise<Invocation> {
  const serverlessBin = join(dirname(require.resolve('serverless/package.json')), 'bin', 'serverless.js');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  Object.assign(env, {
    TMPDIR: join(serviceDir, 'tmp'),
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
    AWS_SHARED_CREDENTIALS_FILE: join(serviceDir, 'tmp', 'none'),
    AWS_CONFIG_FILE: join(serviceDir, 'tmp', 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  });
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [serverlessBin, 'invoke', 'local', '--stage', 'local', '-f', fn, '-p', `events/${event}`],
      { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** The handler's result: the last JSON document invoke local prints (log lines are one-line JSON before it). */
function resultOf(run: Invocation): Record<string, unknown> {
  const lines = run.stdout.split('\n');
  const start = lines.lastIndexOf('{');
  if (run.code !== 0 || start < 0) {
    throw new Error(`invoke local failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(lines.slice(start).join('\n')) as Record<string, unknown>;
}

const iamAs = (c: Credentials) =>
  new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: c, maxAttempts: 1 });
const keyStatuses = async () =>
  ((await iamAs(admin).send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata ?? []).map(
    (k) => k.Status,
  );
const attachedToAlice = async () =>
  (
    (await iamAs(admin).send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }))).AttachedPolicies ??
    []
  ).map((p) => p.PolicyArn);
const aliceTags = async () =>
  Object.fromEntries(
    ((await iamAs(admin).send(new ListUserTagsCommand({ UserName: 'alice' }))).Tags ?? []).map((t) => [
      t.Key,
      t.Value,
    ]),
  );
const aliceCanListUsers = async () => {
  try {
    await iamAs(alice.keys[0] as Credentials).send(new ListUsersCommand({}));
    return true;
  } catch (err) {
    if ((err as Error).name === 'AccessDenied' || /not authorized/i.test(String(err))) return false;
    throw err;
  }
};

beforeAll(async () => {
  moto = await startMoto();
  ssmFake = fakeSessionManager(sessions, terminated);
  await new Promise<void>((r) => ssmFake.listen(0, '127.0.0.1', r));
  ssmEndpoint = `http://127.0.0.1:${(ssmFake.address() as AddressInfo).port}`;
  serviceDir = join(repo, '.tmp', `invoke-local-${process.pid}`);
  rmSync(serviceDir, { recursive: true, force: true });
  stageService(serviceDir);

  const setup = motoClients(moto);
  admin = await createAdmin(setup.iam);
  alice = await createUser(setup.iam, 'alice', {
    tags: { email: 'alice@example.com' },
    keys: 2,
    allowAll: true,
  });
  await createStateTable(setup.ddb, TABLE);
  inbox = await createTopicWithInbox(setup.sns, setup.sqs, TOPIC);
  sessions.push({
    SessionId: 'alice-0a1b2c3d4e',
    Owner: ALICE_ARN,
    Target: 'i-0bastion000000001',
    Status: 'Connected',
    StartDate: Date.now() / 1000 - 600,
  });
  // From here on moto evaluates IAM policies: the CLI runs as the admin, alice's key is checked for denial.
  await moto.enableIamEnforcement();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  await new Promise((r) => ssmFake?.close(r));
  if (serviceDir) rmSync(serviceDir, { recursive: true, force: true });
});

describe('serverless invoke local --stage local against moto', () => {
  it('plans without writing with lockdown-dry-run.json', async () => {
    expect(await aliceCanListUsers()).toBe(true);
    const report = resultOf(await invokeLocal('lockdown', 'lockdown-dry-run.json'));
    expect(report).toMatchObject({ kind: 'revocation', outcome: 'planned', dryRun: true });
    expect(await keyStatuses()).toEqual(['Active', 'Active']);
    expect(await attachedToAlice()).toEqual([]);
    expect(terminated).toEqual([]);
    expect(await aliceCanListUsers()).toBe(true);
    await drainInbox(motoClients(moto, admin).sqs, inbox.queueUrl);
  }, 120_000);

  it('locks alice down with lockdown-user.json: her key is denied, keys inactive, session ended', async () => {
    const report = resultOf(await invokeLocal('lockdown', 'lockdown-user.json'));
    expect(report).toMatchObject({ kind: 'revocation', trigger: 'lockdown', outcome: 'revoked' });
    expect(await attachedToAlice()).toEqual([DENY]);
    expect(await keyStatuses()).toEqual(['Inactive', 'Inactive']);
    expect(await aliceTags()).toMatchObject({ 'offboarding:state': 'revoked', email: 'alice@example.com' });
    expect(terminated).toEqual(['alice-0a1b2c3d4e']);
    // moto does not reject inactive keys; the deny policy is what stops this one.
    expect(await aliceCanListUsers()).toBe(false);
    const notes = await drainInbox(motoClients(moto, admin).sqs, inbox.queueUrl);
    expect(notes.map((n) => n.attributes)).toEqual([
      expect.objectContaining({ trigger: 'lockdown', outcome: 'revoked' }),
    ]);
  }, 120_000);

  it('restores alice with restore-user.json: same keys active, deny gone', async () => {
    const report = resultOf(await invokeLocal('restore', 'restore-user.json'));
    expect(report).toMatchObject({ kind: 'restore', outcome: 'restored' });
    expect(await attachedToAlice()).toEqual([]);
    expect(await keyStatuses()).toEqual(['Active', 'Active']);
    expect(await aliceTags()).toMatchObject({ 'offboarding:state': 'restored' });
    expect(await aliceCanListUsers()).toBe(true);
  }, 120_000);
});
