import {
  DeleteInlinePolicyFromPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  addRevokedIds,
  INLINE_POLICY_MAX_CHARS,
  InlinePolicyError,
  revokedIdsIn,
} from '../../../src/identity-center';
import { addToDeny, liftFromDeny } from '../../../src/identity-center/permission-set';
import { fakeIdentityCenter, NOW, psArn } from './fake-identity-center';

const f = fakeIdentityCenter();
const SET = psArn('admin');
const TEAM =
  '{"Version":"2012-10-17","Statement":[{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
const NEW = id(1);
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
/** A statement of 834 ids (1000..1833): the policy is exactly 32,768 characters. */
const FULL = addRevokedIds(
  TEAM,
  Array.from({ length: 834 }, (_, i) => id(1000 + i)),
);
const entry = (userId: string, at: string) => ({
  pk: 'idc#revoked-users',
  sk: userId,
  kind: 'idc-revoked-user',
  userId,
  userName: 'x',
  runId: 'r',
  at,
});

beforeEach(() => f.reset());

describe('Function: addToDeny when the policy is full', () => {
  it('prunes the oldest id revoked over 13 h ago that holds no access, and only when the limit requires it', async () => {
    expect(FULL.length).toBe(INLINE_POLICY_MAX_CHARS);
    f.state.policies.set(SET, FULL);
    for (const [n, h] of [
      [1000, 30],
      [1001, 40],
      [1002, 2],
    ] as const)
      f.state.items.set(`e${n}`, entry(id(n), hoursAgo(h)));
    // 1001 is the oldest, but SCIM gave it a membership back: it keeps its place in the statement.
    f.state.memberships.push({ membershipId: 'm1', groupId: 'g1', userId: id(1001) });

    const change = await addToDeny(f.deps(), SET, NEW, 'run#1');

    expect(change).toMatchObject({ outcome: 'done', pruned: [id(1000)] });
    const put = f.state.policies.get(SET) ?? '';
    expect(put.length).toBeLessThanOrEqual(INLINE_POLICY_MAX_CHARS);
    expect(revokedIdsIn(put)).toEqual(expect.arrayContaining([NEW, id(1001), id(1002)]));
    expect(revokedIdsIn(put)).not.toContain(id(1000));
    // Only the old ids' access was read, not the 834.
    expect(f.sso.commandCalls(ListAccountAssignmentsForPrincipalCommand).length).toBe(2);
  });

  it('reads no entry and no access when the policy fits', async () => {
    f.state.policies.set(SET, TEAM);
    await addToDeny(f.deps(), SET, NEW, 'run#1');
    expect(f.ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('writes nothing and says why when no id can leave', async () => {
    f.state.policies.set(SET, FULL);
    f.state.items.set('e1000', entry(id(1000), hoursAgo(2)));
    await expect(addToDeny(f.deps(), SET, NEW, 'run#1')).rejects.toThrow(InlinePolicyError);
    expect(f.sso).not.toHaveReceivedCommand(PutInlinePolicyToPermissionSetCommand);
    expect(f.state.policies.get(SET)).toBe(FULL);
  });
});

describe('Function: liftFromDeny', () => {
  it('puts the snapshot text back when nothing else changed the policy', async () => {
    const pretty = JSON.stringify(JSON.parse(TEAM), null, 2);
    f.state.policies.set(SET, JSON.stringify(JSON.parse(addRevokedIds(pretty, [NEW]))));
    expect(await liftFromDeny(f.deps(), SET, NEW, pretty, 'run#1')).toMatchObject({ outcome: 'done' });
    expect(f.state.policies.get(SET)).toBe(pretty);
  });

  it('deletes the inline policy the revocation created', async () => {
    f.state.policies.set(SET, addRevokedIds(null, [NEW]));
    await liftFromDeny(f.deps(), SET, NEW, null, 'run#1');
    expect(f.sso).toHaveReceivedCommand(DeleteInlinePolicyFromPermissionSetCommand);
    expect(f.state.policies.has(SET)).toBe(false);
  });

  it('removes only its id when another revocation added one since', async () => {
    f.state.policies.set(SET, addRevokedIds(TEAM, [NEW, id(2)]));
    await liftFromDeny(f.deps(), SET, NEW, TEAM, 'run#1');
    expect(revokedIdsIn(f.state.policies.get(SET))).toEqual([id(2)]);
  });

  it('finds the id gone (pruned, or lifted before) and writes nothing', async () => {
    f.state.policies.set(SET, TEAM);
    expect(await liftFromDeny(f.deps(), SET, NEW, TEAM, 'run#1')).toMatchObject({ outcome: 'already' });
    expect(f.sso).not.toHaveReceivedCommand(PutInlinePolicyToPermissionSetCommand);
  });
});
