/**
 * A single-account departure with Identity Center configured ends the Identity Center user's
 * `AWSReservedSSO_*` role sessions by the user's userName when it is not the email the engine already
 * matched (src/departures/worker.ts, `endIdentityCenterSessions`). The engine is a stub (its own session
 * step is tested in test/unit/engine/revoke.test.ts); Identity Center is the unit fake; SSM is mocked, so every
 * DescribeSessions and TerminateSession the worker makes is seen.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../../src/clients';
import type { DepartureMessage } from '../../../src/departures/message';
import { departureWorker } from '../../../src/departures/worker';
import type { runRevocation } from '../../../src/engine/revoke';
import type { RevocationReport } from '../../../src/engine/types';
import { testConfig } from '../../../tools/testing/config';
import { fakeIdentityCenter, NOW, psArn, seedUser } from '../identity-center/fake-identity-center';
import { MemoryPersistence } from './memory-persistence';

const sns = mockClient(SNSClient);
const ssm = mockClient(SSMClient);
const idc = fakeIdentityCenter();
const clients = makeClients({ region: 'us-east-1' });
const context = {
  functionName: 'revocation-worker',
  awsRequestId: 'r-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const ACCOUNT = '123456789012';
const sso = (role: string, session: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`;

const message: DepartureMessage = {
  id: 'standard:msg_idc_sessions',
  provider: 'standard',
  receivedAt: NOW.toISOString(),
  occurredAt: NOW.toISOString(),
  person: { employeeId: 'E-7', email: 'jane.doe@example.com' },
  reason: 'resigned',
} as DepartureMessage;
const event = (m: DepartureMessage): SQSEvent =>
  ({ Records: [{ messageId: 'sqs-1', body: JSON.stringify(m), attributes: {} }] }) as unknown as SQSEvent;

/** The engine's report for a person with no IAM user here: nothing found on the IAM side. */
const revoke = (async (_request: unknown, deps: { config: { dryRun: boolean } }) =>
  ({
    kind: 'revocation',
    runId: message.id,
    trigger: 'departure',
    mode: 'departure',
    dryRun: deps.config.dryRun,
    target: message.person,
    reason: 'resigned',
    requestedBy: 'hr-webhook/standard',
    at: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    outcome: 'not-found',
    principals: [],
    notes: [],
  }) satisfies RevocationReport) as unknown as typeof runRevocation;

function run(dryRun = false) {
  const config = testConfig({ dryRun, sessionRegions: ['us-east-1'] });
  return departureWorker({
    config,
    clients,
    revoke,
    persistenceStore: new MemoryPersistence(),
    clock: () => NOW,
    identityCenter: async () => idc.deps({ dryRun }),
  }).process(event(message), context);
}

/** The JSON report of the departure's notification. */
const published = () =>
  JSON.parse(
    JSON.parse((sns.commandCalls(PublishCommand)[0]?.args[0].input.Message as string) ?? '{}').sqs,
  ) as { notes: string[] };

beforeEach(() => {
  idc.reset();
  sns.reset();
  ssm.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'n-1' });
  // Session Manager as AWS answers: a terminated session is no longer listed as active.
  const terminated = new Set<string>();
  ssm.on(DescribeSessionsCommand).callsFake(async () => ({
    Sessions: [
      { SessionId: 'jdoe-1', Owner: sso('AWSReservedSSO_Admin_0123abcd', 'jdoe'), Status: 'Connected' },
      { SessionId: 'jdoe-x', Owner: sso('ops-role', 'jdoe'), Status: 'Connected' },
      { SessionId: 'john-1', Owner: sso('AWSReservedSSO_Admin_0123abcd', 'john'), Status: 'Connected' },
    ].filter((x) => !terminated.has(x.SessionId)),
  }));
  ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => {
    terminated.add(input.SessionId);
    return {};
  });
});

describe('Departure worker: Identity Center role sessions by userName', () => {
  it('terminates the AWSReservedSSO_* sessions named after the userName when it differs from the email', async () => {
    seedUser(
      idc.state,
      { userId: 'u-jdoe-0001', userName: 'jdoe', email: 'jane.doe@example.com' },
      {
        direct: psArn('admin'),
      },
    );

    expect(await run()).toEqual({ batchItemFailures: [] });

    expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input.SessionId)).toEqual([
      'jdoe-1',
    ]);
    expect(published().notes).toContainEqual(
      expect.stringMatching(/^Identity Center role sessions of jdoe in us-east-1: done/),
    );
  });

  it('adds no session call of its own when the userName is the email (the engine matched that already)', async () => {
    seedUser(idc.state, {
      userId: 'u-jane-0001',
      userName: 'jane.doe@example.com',
      email: 'jane.doe@example.com',
    });

    expect(await run()).toEqual({ batchItemFailures: [] });

    expect(ssm.calls()).toHaveLength(0);
  });

  it('only says what it would end under dry run', async () => {
    seedUser(idc.state, { userId: 'u-jdoe-0001', userName: 'jdoe', email: 'jane.doe@example.com' });

    await run(true);

    expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
    expect(published().notes).toContainEqual(
      expect.stringMatching(/^would terminate Identity Center role sessions of jdoe/),
    );
  });
});
