import { BatchWriteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  InvalidStateRecordError,
  principalHistory,
  putRecord,
  putRecords,
  type RevocationRecord,
  STATE_PARTITIONS,
  type StateRecord,
} from '../../../src/engine/state';
import { mockAws } from '../../support/iam-mock';
import { arnMatches } from '../../support/packaged-template';

const m = mockAws();
const store = () => ({ ddb: m.deps().clients.ddb, table: 'offboarding-state' });
const principal = { kind: 'user', name: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' } as const;
const alice = principal;
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
    : { kind, undoes: ['t1'], outcome: 'restored', results: [] }),
});

beforeEach(() => m.ddb.reset());

describe('Function: principalHistory', () => {
  it('reads every page newest first, and knows which runs a completed restore undid', async () => {
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

    const history = await principalHistory(store(), alice);

    expect(history.revocations.map((r) => r.runId)).toEqual(['t4', 't3', 't1', 't0']);
    expect([...history.restored]).toEqual(['t1']);
    expect(m.ddb.commandCalls(QueryCommand)).toHaveLength(3);
    expect(m.ddb.commandCalls(QueryCommand)[1]?.args[0].input).toMatchObject({
      ScanIndexForward: false,
      ExclusiveStartKey: { sk: 't3' },
    });
  });

  it.each([
    ['an unknown step type', { plan: [{ type: 'delete-user', id: '01-delete-user', state: 'todo' }] }],
    ['a record without its principal', { principal: undefined }],
    ['a step without its subject', { plan: [{ type: 'deactivate-access-key', id: '01', state: 'todo' }] }],
    [
      'a role session deny under another policy name',
      {
        plan: [
          {
            type: 'put-role-session-deny',
            policyName: 'AdminAccess',
            issuedBefore: 'x',
            id: '01',
            state: 'todo',
          },
        ],
      },
    ],
    ['another principal in the partition', { principal: { kind: 'user', name: 'mallory', arn: 'arn' } }],
  ])('refuses %s with InvalidStateRecordError', async (_label, change) => {
    m.ddb.on(QueryCommand).resolves({ Items: [{ ...item('t1', 'revocation'), ...change }] });
    await expect(principalHistory(store(), alice)).rejects.toBeInstanceOf(InvalidStateRecordError);
  });

  it('returns records without their storage keys', async () => {
    m.ddb.on(QueryCommand).resolves({ Items: [item('t1', 'revocation')] });
    const [record] = (await principalHistory(store(), alice)).revocations;
    expect(record).not.toHaveProperty('pk');
    expect(record).not.toHaveProperty('sk');
    expect(record?.principal.name).toBe('alice');
  });

  it('returns nothing for a principal never revoked', async () => {
    m.ddb.on(QueryCommand).resolves({ Items: [] });
    expect((await principalHistory(store(), alice)).revocations).toEqual([]);
  });
});

describe('STATE_PARTITIONS (the dynamodb:LeadingKeys patterns of the roles)', () => {
  const role = { kind: 'role', name: 'deployer', arn: 'arn:aws:iam::123456789012:role/deployer' } as const;
  /** A record as the engine holds it: without storage keys. */
  const record = (sk: string, kind: 'revocation' | 'restore', p: RevocationRecord['principal']) => {
    const { pk: _pk, sk: _sk, ...rest } = item(sk, kind);
    return { ...rest, principal: p } as unknown as StateRecord;
  };
  const revocation = (p: RevocationRecord['principal']) => record('r1', 'revocation', p) as RevocationRecord;
  const records: [string, StateRecord][] = [
    [STATE_PARTITIONS.userRecords, revocation(alice)],
    [STATE_PARTITIONS.roleRecords, revocation(role)],
    [STATE_PARTITIONS.roleRecords, record('r2', 'restore', role)],
    [
      STATE_PARTITIONS.revokedIndex,
      {
        kind: 'revoked-index',
        userName: 'alice',
        runId: 'r1',
        at: 't',
        trigger: 'lockdown',
        mode: 'lockdown',
      },
    ],
  ];

  it.each(records)('holds every record the store writes: %s', async (pattern, record) => {
    m.ddb.on(PutCommand).resolves({});
    await putRecord(store(), record);
    const pk = String(m.ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.pk);
    expect(arnMatches(pattern, pk)).toBe(true);
    // ...and only its own kind of record.
    const others = Object.values(STATE_PARTITIONS).filter((p) => p !== pattern);
    expect(others.filter((p) => arnMatches(p, pk))).toEqual([]);
  });

  it("holds the batched records of the sweep's key deactivations (users' records)", async () => {
    m.ddb.on(BatchWriteCommand).resolves({});
    await putRecords(store(), [revocation(alice)]);
    const items = Object.values(m.ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems ?? {})
      .flat()
      .map((w) => String(w.PutRequest?.Item?.pk));
    expect(items).toEqual(['principal#user#alice']);
    expect(items.every((pk) => arnMatches(STATE_PARTITIONS.userRecords, pk))).toBe(true);
  });
});
