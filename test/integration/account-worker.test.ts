/**
 * The account worker's bookkeeping on a real moto_server (DynamoDB conditional writes, SNS, SQS): coverage
 * records, the one completion notification, dedupe per work item, the unreachable account and the DLQ alert.
 * The engine and the way into accounts are stand-ins here (each named below): the real revocation across
 * accounts is proven in organization.test.ts.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { type AccountAccess, AccountUnreachableError } from '../../src/accounts/access';
import {
  claimNotification,
  coverageOutcome,
  readCoverage,
  recordAccount,
  releaseNotification,
  startCoverage,
} from '../../src/accounts/coverage';
import { departureItems } from '../../src/accounts/work';
import { accountWorker } from '../../src/accounts/worker';
import type { Clients } from '../../src/clients';
import type { Config } from '../../src/config';
import type { DepartureMessage } from '../../src/departures/message';
import type { RevocationReport, RevocationRequest, runRevocation } from '../../src/engine';
import { type Moto, startMoto } from '../../tools/local/moto';
import { createLocalStack, drainInbox, type Inbox, motoClients } from '../../tools/local/seed';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const context = {
  functionName: 'account-worker',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

let moto: Moto;
let clients: Clients;
let config: Config;
let inbox: Inbox;

beforeAll(async () => {
  moto = await startMoto();
  clients = motoClients(moto);
  ({ config, inbox } = await createLocalStack(clients, {
    targetAccounts: { kind: 'list', accountIds: [A, B, C] },
  }));
});
afterAll(async () => {
  await moto?.stop();
});

let seq = 0;
const departure = (): DepartureMessage => ({
  id: `standard:dep-${++seq}`,
  provider: 'standard',
  person: { employeeId: 'E-1', email: 'jane@example.com' },
  occurredAt: '2026-12-01T10:00:00Z',
  receivedAt: '2026-12-01T10:00:01Z',
});
const record = (body: unknown, receiveCount = 1): SQSRecord =>
  ({
    messageId: `m-${++seq}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:accounts',
  }) as unknown as SQSRecord;

/** Stand-in for the member roles: the accounts in `unreachable` refuse AssumeRole, the others open. */
function accessStandIn(unreachable: readonly string[] = []): AccountAccess {
  return {
    selfAccountId: async () => A,
    memberRoleArn: async (id: string) => `arn:aws:iam::${id}:role/m`,
    as: async () => clients,
    open: async (accountId: string) => {
      if (unreachable.includes(accountId)) {
        throw new AccountUnreachableError(
          `role arn:aws:iam::${accountId}:role/m could not be assumed (AccessDenied: denied)`,
        );
      }
      return { accountId, home: accountId === A, clients };
    },
  } as unknown as AccountAccess;
}

/** Stand-in for the engine: one user revoked per account, every call recorded with the account it ran in. */
function engineStandIn(outcome: RevocationReport['outcome'] = 'revoked') {
  const calls: { request: RevocationRequest; accountId?: string }[] = [];
  const revoke = (async (request: RevocationRequest, deps: { accountId?: string }) => {
    calls.push({ request, ...(deps.accountId ? { accountId: deps.accountId } : {}) });
    const account = deps.accountId ?? A;
    return {
      kind: 'revocation',
      runId: request.runId,
      trigger: 'departure',
      mode: 'departure',
      dryRun: false,
      target: {},
      reason: request.reason,
      requestedBy: request.requestedBy,
      at: '2026-12-01T10:00:02Z',
      finishedAt: '2026-12-01T10:00:03Z',
      outcome,
      principals: [
        {
          principal: { kind: 'user', name: 'jane', arn: `arn:aws:iam::${account}:user/jane` },
          outcome,
          steps: [],
          sessions: [],
          notes: [],
        },
      ],
      notes: [],
    } as RevocationReport;
  }) as unknown as typeof runRevocation;
  return { revoke, calls };
}

/** Starts the run's coverage over `targets`, as the departure worker does before it fans out; returns the store. */
async function startRun(message: DepartureMessage, targets: string[]) {
  const store = { ddb: clients.ddb, table: config.stateTable };
  await startCoverage(store, {
    runId: message.id,
    trigger: 'departure',
    subject: 'employeeId E-1',
    startedAt: 't',
    targets,
  });
  return store;
}

const subjects = async () => (await drainInbox(clients.sqs, inbox.queueUrl)).map((n) => n.subject);

describe('Coverage records', () => {
  it('keeps the first targets, counts attempts, and lets one claim win per state', async () => {
    const store = { ddb: clients.ddb, table: config.stateTable };
    const runId = 'run-coverage';
    const header = {
      runId,
      trigger: 'departure' as const,
      subject: 'employeeId E-1',
      startedAt: 't',
      targets: [A, B],
    };
    await startCoverage(store, header);
    await startCoverage(store, { ...header, targets: [A, B, C] });
    expect((await readCoverage(store, runId))?.targets).toEqual([A, B]);

    const result = { at: 't', principals: [], notes: [] };
    await recordAccount(store, runId, { ...result, accountId: A, outcome: 'revoked' });
    expect((await readCoverage(store, runId))?.complete).toBe(false);
    await recordAccount(store, runId, {
      ...result,
      accountId: B,
      outcome: 'unreachable',
      error: 'AccessDenied',
    });
    await recordAccount(store, runId, {
      ...result,
      accountId: B,
      outcome: 'unreachable',
      error: 'AccessDenied',
    });
    const c = await readCoverage(store, runId);
    expect(c).toMatchObject({
      complete: true,
      outcome: 'partial',
      unreachable: [{ accountId: B, why: 'AccessDenied' }],
    });
    expect(c?.accounts.find((a) => a.accountId === B)?.attempts).toBe(2);

    // Two workers seeing the same final state: one claim wins, the other's condition fails. Sent one after the
    // other: moto_server does not serialize concurrent conditional writes to one item (two claims sent at once
    // both succeeded twice this session on a loaded machine, once in CI), where DynamoDB evaluates each condition
    // atomically.
    expect(await claimNotification(store, runId, 'sig-1')).toBe(true);
    expect(await claimNotification(store, runId, 'sig-1')).toBe(false);
    // A new state is claimed again; a released claim can be taken again (the notification failed).
    expect(await claimNotification(store, runId, 'sig-2')).toBe(true);
    await releaseNotification(store, runId, 'sig-2');
    expect(await claimNotification(store, runId, 'sig-2')).toBe(true);
  });

  it('adds accounts up: not-found accounts do not count, unreachable ones make it partial', () => {
    const a = (accountId: string, outcome: 'revoked' | 'not-found' | 'unreachable') => ({
      accountId,
      outcome,
      at: 't',
      attempts: 1,
      principals: [],
      notes: [],
    });
    expect(coverageOutcome([a(A, 'revoked'), a(B, 'not-found')])).toBe('revoked');
    expect(coverageOutcome([a(A, 'not-found'), a(B, 'not-found')])).toBe('not-found');
    expect(coverageOutcome([a(A, 'revoked'), a(B, 'unreachable')])).toBe('partial');
    expect(coverageOutcome([a(A, 'unreachable'), a(B, 'not-found')])).toBe('failed');
  });
});

describe('Function: accountWorker', () => {
  it('revokes each account once and sends one completion notification naming every account', async () => {
    await subjects();
    const message = departure();
    await startRun(message, [A, B, C]);
    const engine = engineStandIn();
    const worker = accountWorker({
      config,
      clients,
      access: accessStandIn(),
      revoke: engine.revoke,
      maxReceiveCount: 3,
    });
    const items = departureItems(message, [A, B, C]);
    const first = await worker.process({ Records: items.map((i) => record(i)) }, context);
    expect(first.batchItemFailures).toEqual([]);
    // The same items delivered again: nothing runs twice.
    await worker.process({ Records: items.map((i) => record(i)) }, context);
    expect(engine.calls.map((c) => c.accountId ?? A)).toEqual([A, B, C]);
    expect(engine.calls.every((c) => c.request.runId === message.id)).toBe(true);
    const received = await drainInbox(clients.sqs, inbox.queueUrl);
    expect(received.map((n) => n.subject)).toEqual([
      '[offboarding] Departure of employeeId E-1: revoked across 3 accounts',
    ]);
    const report = JSON.parse(received[0]?.message ?? '{}');
    expect(report.accounts.map((a: { accountId: string }) => a.accountId).sort()).toEqual([A, B, C]);
    expect(received[0]?.attributes).toMatchObject({ trigger: 'departure', outcome: 'revoked' });
  });

  it('sends the completion email once when only its chat copy fails (a chat topic that does not exist)', async () => {
    await subjects();
    const message = departure();
    const store = await startRun(message, [A, B]);
    // moto answers NotFound to a Publish on a topic it does not hold: the chat Publish fails after the email.
    const chatTopicArn = 'arn:aws:sns:us-east-1:123456789012:no-such-chat-topic';
    const worker = accountWorker({
      config: { ...config, chatTopicArn },
      clients,
      access: accessStandIn(),
      revoke: engineStandIn().revoke,
      maxReceiveCount: 3,
    });
    const items = departureItems(message, [A, B]);
    const first = await worker.process({ Records: items.map((i) => record(i)) }, context);
    // Not retried: a retry would complete the run again and mail the same completion twice.
    expect(first.batchItemFailures).toEqual([]);
    expect(await subjects()).toEqual([
      '[offboarding] Departure of employeeId E-1: revoked across 2 accounts',
    ]);
    // The claim stands: the coverage says this state was notified, and nothing more is sent.
    const coverage = await readCoverage(store, message.id);
    expect(coverage?.notified).toBeDefined();
    expect(await claimNotification(store, message.id, coverage?.notified ?? '')).toBe(false);
    expect(await subjects()).toEqual([]);
  });

  it('names an unreachable account, retries it, and alerts when its last delivery fails', async () => {
    await subjects();
    const message = departure();
    await startRun(message, [A, B]);
    const engine = engineStandIn();
    const worker = accountWorker({
      config,
      clients,
      access: accessStandIn([B]),
      revoke: engine.revoke,
      maxReceiveCount: 2,
    });
    const [itemA, itemB] = departureItems(message, [A, B]);
    const recB1 = record(itemB, 1);
    const r1 = await worker.process({ Records: [record(itemA), recB1] }, context);
    expect(r1.batchItemFailures).toEqual([{ itemIdentifier: recB1.messageId }]);
    const after1 = await drainInbox(clients.sqs, inbox.queueUrl);
    expect(after1.map((n) => n.subject)).toEqual([
      '[offboarding] Departure of employeeId E-1: partial across 2 accounts, 1 unreachable',
    ]);
    expect(after1[0]?.attributes.severity).toBe('high');
    const text = JSON.parse(after1[0]?.message ?? '{}');
    expect(text.unreachable).toEqual([{ accountId: B, why: expect.stringContaining('AccessDenied') }]);

    // The second (last) delivery fails too: the DLQ alert, and no second completion for the same state.
    const recB2 = record(itemB, 2);
    const r2 = await worker.process({ Records: [recB2] }, context);
    expect(r2.batchItemFailures).toEqual([{ itemIdentifier: recB2.messageId }]);
    const after2 = await drainInbox(clients.sqs, inbox.queueUrl);
    expect(after2.map((n) => n.subject)).toEqual([
      `[offboarding] Account ${B} not reached: its departure work item goes to the DLQ`,
    ]);
    expect(after2[0]?.attributes).toMatchObject({ severity: 'high', outcome: 'dead-letter' });
    expect(engine.calls.map((c) => c.accountId ?? A)).toEqual([A]);
  });

  it('retries an account where access may remain, and notifies when it later completes', async () => {
    await subjects();
    const message = departure();
    const store = { ddb: clients.ddb, table: config.stateTable };
    await startCoverage(store, {
      runId: message.id,
      trigger: 'departure',
      subject: 'e',
      startedAt: 't',
      targets: [B],
    });
    const partial = accountWorker({
      config,
      clients,
      access: accessStandIn(),
      revoke: engineStandIn('partial').revoke,
      maxReceiveCount: 5,
    });
    const [item] = departureItems(message, [B]);
    const rec = record(item);
    expect((await partial.process({ Records: [rec] }, context)).batchItemFailures).toEqual([
      { itemIdentifier: rec.messageId },
    ]);
    const fixed = accountWorker({
      config,
      clients,
      access: accessStandIn(),
      revoke: engineStandIn('revoked').revoke,
      maxReceiveCount: 5,
    });
    expect((await fixed.process({ Records: [record(item, 2)] }, context)).batchItemFailures).toEqual([]);
    expect(await subjects()).toEqual([
      '[offboarding] Departure of e: partial across 1 account',
      '[offboarding] Departure of e: revoked across 1 account',
    ]);
  });

  it('drops a message that is not a work item, with an alert', async () => {
    await subjects();
    const worker = accountWorker({
      config,
      clients,
      access: accessStandIn(),
      revoke: engineStandIn().revoke,
    });
    const r = await worker.process(
      { Records: [record({ kind: 'departure', id: 'x', accountId: '12' })] },
      context,
    );
    expect(r.batchItemFailures).toEqual([]);
    expect(await subjects()).toEqual(['[offboarding] Account work item dropped: it is not a work item']);
  });
});
