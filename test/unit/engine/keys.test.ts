import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { deactivateAccessKeys, type KeyDeactivation } from '../../../src/engine';
import type { RevocationRecord } from '../../../src/engine/state';
import { ACCOUNT, answerDefaults, answerUser, iamWrites, mockAws } from '../../support/iam-mock';

const m = mockAws();
const run = { runId: 'sweep-run-1', requestedBy: 'key-sweep' };

const alice = (tags: Record<string, string> = {}): KeyDeactivation => ({
  user: { kind: 'user', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, path: '/', tags },
  keyIds: ['AKIAALICE00000000001'],
  keys: [
    { accessKeyId: 'AKIAALICE00000000001', status: 'Active' },
    { accessKeyId: 'AKIAALICE00000000002', status: 'Active' },
  ],
  reason: 'AKIAALICE00000000001 expired: 120 days old (max 90)',
});

/** The records of each BatchWriteItem, in order. */
const batches = () =>
  m.ddb
    .commandCalls(BatchWriteCommand)
    .map((c) =>
      Object.values(c.args[0].input.RequestItems ?? {}).flatMap((ws) =>
        ws.map((w) => w.PutRequest?.Item as RevocationRecord),
      ),
    );

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
  m.ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
});

describe('Function: deactivateAccessKeys', () => {
  it('records before the write, deactivates exactly the ids, verifies by re-reading and completes the record', async () => {
    const state = answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }, { id: 'AKIAALICE00000000002' }],
    });
    const order: string[] = [];
    m.ddb.on(BatchWriteCommand).callsFake(async () => {
      order.push('record');
      return { UnprocessedItems: {} };
    });
    m.iam.on(UpdateAccessKeyCommand).callsFake(async (input: { AccessKeyId: string; Status: 'Inactive' }) => {
      order.push(`write ${input.AccessKeyId}`);
      const key = state.keys?.find((k) => k.id === input.AccessKeyId);
      if (key) key.status = input.Status;
      return {};
    });

    const reports = await deactivateAccessKeys([alice()], run, m.deps());

    expect(order).toEqual(['record', 'write AKIAALICE00000000001', 'record']);
    expect(state.keys?.map((k) => [k.id, k.status ?? 'Active'])).toEqual([
      ['AKIAALICE00000000001', 'Inactive'],
      ['AKIAALICE00000000002', 'Active'],
    ]);
    const report = reports.get('alice');
    expect(report).toMatchObject({ outcome: 'revoked', verification: { ok: true } });
    const [before, after] = batches();
    expect(before?.[0]).toMatchObject({
      kind: 'revocation',
      trigger: 'sweep',
      status: 'started',
      runId: 'sweep-run-1',
    });
    expect(after?.[0]).toMatchObject({
      status: 'finished',
      outcome: 'revoked',
      results: [{ type: 'deactivate-access-key', subject: 'AKIAALICE00000000001', outcome: 'done' }],
    });
  });

  it('reports a key still Active on re-read as not revoked', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.iam.on(UpdateAccessKeyCommand).resolves({});

    const report = (await deactivateAccessKeys([alice()], run, m.deps())).get('alice');

    expect(report?.outcome).toBe('partial');
    expect(report?.verification?.checks).toEqual([
      { check: 'access key AKIAALICE00000000001 not Active', ok: false, detail: 'still Active' },
    ]);
  });

  it('leaves a protected user untouched, with no record written', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });

    const report = (
      await deactivateAccessKeys([alice({ 'offboarding:protected': 'true' })], run, m.deps())
    ).get('alice');

    expect(report?.outcome).toBe('protected');
    expect(iamWrites(m)).toEqual([]);
    expect(batches().flat()).toEqual([]);
  });
});
