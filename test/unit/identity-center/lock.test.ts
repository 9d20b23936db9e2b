import {
  GetInlinePolicyForPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { addRevokedIds, PermissionSetBusyError, revokedIdsIn } from '../../../src/identity-center';
import { withPermissionSetLock } from '../../../src/identity-center/lock';
import { addToDeny } from '../../../src/identity-center/permission-set';
import { fakeIdentityCenter, INSTANCE, NOW, psArn } from './fake-identity-center';

const f = fakeIdentityCenter();
const SHARED = psArn('shared');
const CAROL = 'c0000000-0000-4000-8000-000000000000';
const DAVE = 'd0000000-0000-4000-8000-000000000000';
const TEAM =
  '{"Version":"2012-10-17","Statement":[{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
const lockKey = `lock#permission-set|${SHARED}`;
/** A clock for the lock's expiry, in milliseconds (the lock stores epoch seconds). */
const at = (ms: number) => () => NOW.getTime() + ms;

beforeEach(() => {
  f.reset();
  f.state.policies.set(SHARED, TEAM);
  f.state.policyReadDelayMs = 20;
});

/** What a writer without the lock does: read, merge, put. */
async function unguardedAdd(userId: string): Promise<void> {
  const sso = new SSOAdminClient({ region: 'us-east-1' });
  const current = await sso.send(
    new GetInlinePolicyForPermissionSetCommand({ InstanceArn: INSTANCE, PermissionSetArn: SHARED }),
  );
  await sso.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: INSTANCE,
      PermissionSetArn: SHARED,
      InlinePolicy: addRevokedIds(current.InlinePolicy, [userId]),
    }),
  );
}

describe('Function: addToDeny under the permission set lock', () => {
  it('loses an id when two writers read-modify-write at once without the lock (the race is real here)', async () => {
    await Promise.all([unguardedAdd(CAROL), unguardedAdd(DAVE)]);
    expect(revokedIdsIn(f.state.policies.get(SHARED))).toHaveLength(1);
  });

  it('keeps both ids when two departures add theirs at once: the second waits for the lock', async () => {
    const sleep = jest.fn((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deps = f.deps({ timing: { sleep, lockRetryMs: 5 } });
    const [carol, dave] = await Promise.all([
      addToDeny(deps, SHARED, CAROL, 'run-carol#1'),
      addToDeny(deps, SHARED, DAVE, 'run-dave#1'),
    ]);
    expect([carol.outcome, dave.outcome]).toEqual(['done', 'done']);
    expect(revokedIdsIn(f.state.policies.get(SHARED)).sort()).toEqual([CAROL, DAVE]);
    expect(f.state.policies.get(SHARED)).toContain(
      '{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}',
    );
    // One of them met the other's lock and waited, and no lock is left.
    expect(sleep).toHaveBeenCalled();
    expect(f.state.items.has(lockKey)).toBe(false);
  });

  it('finds an id already denied and writes nothing', async () => {
    f.state.policies.set(SHARED, addRevokedIds(TEAM, [CAROL]));
    expect(await addToDeny(f.deps(), SHARED, CAROL, 'run#1')).toMatchObject({ outcome: 'already' });
    expect(f.sso).not.toHaveReceivedCommand(PutInlinePolicyToPermissionSetCommand);
  });
});

describe('Function: withPermissionSetLock', () => {
  const timing = {
    sleep: async () => undefined,
    clock: at(0),
    lockTtlMs: 60_000,
    lockAttempts: 3,
    lockRetryMs: 1,
  };

  it('gives up after its bounded attempts while another owner holds the lock, running nothing', async () => {
    f.state.items.set(lockKey, {
      pk: 'lock#permission-set',
      sk: SHARED,
      owner: 'other',
      expiresAt: Math.floor(NOW.getTime() / 1000) + 30,
    });
    const critical = jest.fn(async () => 'ran');
    await expect(withPermissionSetLock(f.deps(), SHARED, 'me', timing, critical)).rejects.toThrow(
      PermissionSetBusyError,
    );
    expect(critical).not.toHaveBeenCalled();
    expect(f.ddb).toHaveReceivedCommandTimes(PutCommand, 3);
    expect(f.state.items.get(lockKey)?.owner).toBe('other');
  });

  it('takes over a lock whose owner died (expired), and releases it only as its owner', async () => {
    f.state.items.set(lockKey, {
      pk: 'lock#permission-set',
      sk: SHARED,
      owner: 'dead',
      expiresAt: Math.floor(NOW.getTime() / 1000) - 1,
    });
    expect(
      await withPermissionSetLock(
        f.deps(),
        SHARED,
        'me',
        timing,
        async () => f.state.items.get(lockKey)?.owner,
      ),
    ).toBe('me');
    expect(f.ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      Item: expect.objectContaining({ owner: 'me', expiresAt: Math.floor(NOW.getTime() / 1000) + 60 }),
    });
    expect(f.ddb).toHaveReceivedCommandWith(DeleteCommand, {
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':owner': 'me' },
    });
    expect(f.state.items.has(lockKey)).toBe(false);
  });

  it('releases the lock when the critical section throws', async () => {
    await expect(
      withPermissionSetLock(f.deps(), SHARED, 'me', timing, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(f.state.items.has(lockKey)).toBe(false);
  });

  it("never deletes another owner's lock at release (its own expired and was taken meanwhile)", async () => {
    await withPermissionSetLock(f.deps(), SHARED, 'me', timing, async () => {
      f.state.items.set(lockKey, { pk: 'lock#permission-set', sk: SHARED, owner: 'next', expiresAt: 0 });
    });
    expect(f.state.items.get(lockKey)?.owner).toBe('next');
  });
});
