import { DetachUserPolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../src/config';
import { runRestore } from '../../../src/engine/restore';
import { runRevocation } from '../../../src/engine/revoke';
import { NothingToRestoreError } from '../../../src/errors';
import { answerDefaults, answerUser, iamWrites, mockAws } from '../../support/iam-mock';

const m = mockAws();
const QUARANTINE = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3';
const request = { target: { userName: 'alice' }, reason: 'closed', requestedBy: 'secops' };

/** Keeps the records the engine writes, and answers queries newest first, like the table. */
function recordTable() {
  const items: Record<string, unknown>[] = [];
  m.ddb.on(PutCommand).callsFake(async (input: { Item: Record<string, unknown> }) => {
    items.push(input.Item);
    return {};
  });
  m.ddb.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, string> }) => ({
    Items: items
      .filter((i) => i.pk === input.ExpressionAttributeValues[':pk'])
      .sort((a, b) => String(b.sk).localeCompare(String(a.sk))),
  }));
  return items;
}

const lockdown = (config: Partial<Config> = {}) =>
  runRevocation(
    { trigger: 'lockdown', mode: 'lockdown', target: { userName: 'alice' }, reason: 'r', requestedBy: 's' },
    m.deps(config),
  );

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('Function: runRestore', () => {
  it('refuses clearly when there is no record, and writes nothing', async () => {
    recordTable();
    await expect(runRestore(request, m.deps())).rejects.toThrow(NothingToRestoreError);
    await expect(runRestore(request, m.deps())).rejects.toThrow(/nothing to restore for user alice/);
    expect(iamWrites(m)).toEqual([]);
  });

  it('never detaches an AWS quarantine policy it did not attach', async () => {
    recordTable();
    const state = answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }],
      attached: [QUARANTINE],
    });
    await lockdown();
    await runRestore(request, m.deps());
    expect(state.attached).toEqual([QUARANTINE]);
  });

  it('never detaches a quarantine policy even when it is the configured deny', async () => {
    recordTable();
    const state = answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown({ denyPolicyArn: QUARANTINE });
    expect(state.attached).toEqual([QUARANTINE]);
    await runRestore(request, m.deps({ denyPolicyArn: QUARANTINE }));
    expect(m.iam).not.toHaveReceivedCommandWith(DetachUserPolicyCommand, { PolicyArn: QUARANTINE });
    expect(state.attached).toEqual([QUARANTINE]);
  });

  it('leaves a deny that was attached before the first lockdown in place', async () => {
    recordTable();
    const deny = 'arn:aws:iam::aws:policy/AWSDenyAll';
    const state = answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }],
      attached: [deny],
    });
    await lockdown();
    const report = await runRestore(request, m.deps());
    expect(state.attached).toEqual([deny]);
    expect(report.steps.map((s) => s.type)).toEqual(['deactivate-access-key', 'tag-principal']);
  });

  it('undoes a revocation that stopped before writing its results', async () => {
    const items = recordTable();
    const state = answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown();
    for (const item of items) {
      item.status = 'started';
      delete item.results;
    }
    await runRestore(request, m.deps());
    expect(state.keys?.[0]?.status).toBe('Active');
    expect(state.attached).toEqual([]);
  });

  it('takes a restored user out of the revoked index the sweep re-checks', async () => {
    recordTable();
    m.ddb.on(DeleteCommand).resolves({});
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown();
    await runRestore(request, m.deps());
    expect(m.ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'index#revoked-users', sk: 'alice' },
    });
  });

  it('plans without writing in a dry run', async () => {
    recordTable();
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown();
    m.iam.resetHistory();
    const report = await runRestore({ ...request, dryRun: true }, m.deps());
    expect(report.outcome).toBe('planned');
    expect(report.steps.map((s) => s.outcome)).toEqual(['planned', 'planned', 'planned']);
    expect(iamWrites(m)).toEqual([]);
  });

  it('reports partial and keeps going when one undo fails', async () => {
    recordTable();
    answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }, { id: 'AKIAALICE00000000002' }],
    });
    await lockdown();
    m.iam
      .on(UpdateAccessKeyCommand, { AccessKeyId: 'AKIAALICE00000000001', Status: 'Active' })
      .rejects(new Error('Throttling: Rate exceeded'));
    const report = await runRestore(request, m.deps());
    expect(report.outcome).toBe('partial');
    expect(report.steps.find((s) => s.subject === 'AKIAALICE00000000001')).toMatchObject({
      outcome: 'failed',
    });
    expect(report.steps.find((s) => s.subject === 'AKIAALICE00000000002')).toMatchObject({ outcome: 'done' });
    expect(report.steps.find((s) => s.type === 'attach-deny')).toMatchObject({ outcome: 'done' });
  });
});
