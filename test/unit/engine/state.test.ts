import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidStateRecordError, unrestoredRevocations } from '../../../src/engine/state';
import { mockAws } from '../../support/iam-mock';

const m = mockAws();
const store = () => ({ ddb: m.deps().clients.ddb, table: 'offboarding-state' });
const principal = { kind: 'user', name: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' };
/** A record as stored: its keys beside a complete revocation or restore record. */
const item = (sk: string, kind: 'revocation' | 'restore') => ({
  pk: 'principal#user#alice',
  sk,
  runId: sk,
  at: '2026-11-29T12:00:00.000Z',
  principal,
  requestedBy: 'secops',
  reason: 'INC-42',
  ...(kind === 'revocation'
    ? {
        kind,
        trigger: 'lockdown',
        mode: 'lockdown',
        snapshot: { kind: 'user' },
        plan: [
          {
            type: 'attach-deny',
            policyArn: 'arn:aws:iam::aws:policy/AWSDenyAll',
            id: '01-attach-deny',
            state: 'todo',
          },
        ],
        status: 'finished',
      }
    : { kind, undoes: [], outcome: 'restored', results: [] }),
});

beforeEach(() => m.ddb.reset());

describe('Function: unrestoredRevocations', () => {
  it('reads newest first across pages and stops at the last restore', async () => {
    m.ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [item('t4', 'revocation'), item('t3', 'revocation')],
        LastEvaluatedKey: { sk: 't3' },
      })
      .resolvesOnce({
        Items: [item('t2', 'restore'), item('t1', 'revocation')],
        LastEvaluatedKey: { sk: 't1' },
      })
      .resolves({ Items: [item('t0', 'revocation')] });

    const records = await unrestoredRevocations(store(), 'user', 'alice');

    expect(records.map((r) => r.runId)).toEqual(['t4', 't3']);
    expect(m.ddb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(m.ddb.commandCalls(QueryCommand)[1]?.args[0].input).toMatchObject({
      ScanIndexForward: false,
      ExclusiveStartKey: { sk: 't3' },
    });
  });

  it.each([
    ['an unknown step type', { plan: [{ type: 'delete-user', id: '01-delete-user', state: 'todo' }] }],
    ['a record without its principal', { principal: undefined }],
    ['a step without its subject', { plan: [{ type: 'deactivate-access-key', id: '01', state: 'todo' }] }],
  ])('refuses %s with InvalidStateRecordError', async (_label, change) => {
    m.ddb.on(QueryCommand).resolves({ Items: [{ ...item('t1', 'revocation'), ...change }] });
    await expect(unrestoredRevocations(store(), 'user', 'alice')).rejects.toBeInstanceOf(
      InvalidStateRecordError,
    );
  });

  it('returns records without their storage keys', async () => {
    m.ddb.on(QueryCommand).resolves({ Items: [item('t1', 'revocation')] });
    const [record] = await unrestoredRevocations(store(), 'user', 'alice');
    expect(record).not.toHaveProperty('pk');
    expect(record).not.toHaveProperty('sk');
    expect(record?.principal.name).toBe('alice');
  });

  it('returns nothing for a principal never revoked', async () => {
    m.ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await unrestoredRevocations(store(), 'user', 'alice')).toEqual([]);
  });
});
