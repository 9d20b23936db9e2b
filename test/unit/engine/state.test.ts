import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { unrestoredRevocations } from '../../../src/engine/state';
import { mockAws } from '../../support/iam-mock';

const m = mockAws();
const store = () => ({ ddb: m.deps().clients.ddb, table: 'offboarding-state' });
const item = (sk: string, kind: string) => ({ pk: 'principal#user#alice', sk, kind, runId: sk });

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

  it('returns nothing for a principal never revoked', async () => {
    m.ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await unrestoredRevocations(store(), 'user', 'alice')).toEqual([]);
  });
});
