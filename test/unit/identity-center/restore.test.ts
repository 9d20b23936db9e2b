import { CreateGroupMembershipCommand } from '@aws-sdk/client-identitystore';
import { CreateAccountAssignmentCommand } from '@aws-sdk/client-sso-admin';
import { InvalidStateRecordError } from '../../../src/engine';
import { NotFoundError, NothingToRestoreError, ProtectedPrincipalError } from '../../../src/errors';
import {
  type IdcRestoreRequest,
  type IdcRevocationRequest,
  restoreIdentityCenterUser,
  revokedIdsIn,
  revokeIdentityCenterUser,
} from '../../../src/identity-center';
import { fakeIdentityCenter, NOW, psArn, seedUser } from './fake-identity-center';

const f = fakeIdentityCenter();
const ADMIN = psArn('admin');
const READ = psArn('read');
const TEAM =
  '{"Version":"2012-10-17","Statement":[{"Sid":"TeamBuckets","Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
const JANE = { userId: 'a0000000-0000-4000-8000-000000000001', userName: 'jane', email: 'jane@example.com' };
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const revoke = (runId: string, mode: 'departure' | 'lockdown', minutes = 0) => {
  const request: IdcRevocationRequest = {
    trigger: mode,
    mode,
    target: { identityCenterUser: 'jane' },
    runId,
    reason: 'r',
    requestedBy: 'secops',
  };
  return revokeIdentityCenterUser(request, f.deps({ now: later(minutes) }));
};
const restore = (overrides: Partial<IdcRestoreRequest> = {}, minutes = 60) =>
  restoreIdentityCenterUser(
    {
      target: { identityCenterUser: 'jane' },
      reason: 'closed',
      requestedBy: 'secops',
      restoreRunId: `restore-${minutes}`,
      ...overrides,
    },
    f.deps({ now: later(minutes) }),
  );
const writes = () =>
  [f.ids, f.sso, f.ddb].flatMap((m) =>
    m
      .calls()
      .map((c) => c.args[0].constructor.name)
      .filter((n) => !/^(Get|List|Describe|Query)/.test(n)),
  );

beforeEach(() => {
  f.reset();
  seedUser(f.state, JANE, { direct: ADMIN, group: 'g-eng', viaGroup: READ });
  f.state.policies.set(ADMIN, TEAM);
  f.state.provisionAnswer = 'SUCCEEDED';
});

describe('Function: restoreIdentityCenterUser', () => {
  it('undoes the latest lockdown: access back, the policies back to their snapshot, the revoked entry removed', async () => {
    await revoke('lock-1', 'lockdown');
    const report = await restore();

    expect(report).toMatchObject({
      outcome: 'restored',
      undoes: ['lock-1'],
      keptInForce: [],
      restored: { trigger: 'lockdown' },
    });
    expect(f.state.assignments.filter((a) => a.principalId === JANE.userId)).toHaveLength(1);
    expect(f.state.memberships.map((m) => m.groupId)).toEqual(['g-eng']);
    expect(f.state.policies.get(ADMIN)).toBe(TEAM);
    expect(f.state.policies.has(READ)).toBe(false);
    expect(f.state.items.has(`idc#revoked-users|${JANE.userId}`)).toBe(false);
    expect([...f.state.items.values()].find((i) => i.kind === 'idc-restore')).toMatchObject({
      undoes: ['lock-1'],
      outcome: 'restored',
    });
    expect(report.verification?.ok).toBe(true);
  });

  it('undoes a departure only when its run is named, and says which runs could be', async () => {
    await revoke('standard:msg_1', 'departure');
    await expect(restore()).rejects.toThrow(
      new NothingToRestoreError(
        'no unrestored lockdown of this Identity Center user; name one of these runs by runId: standard:msg_1 (departure)',
      ),
    );
    expect(f.ids).not.toHaveReceivedCommand(CreateGroupMembershipCommand);
    expect((await restore({ runId: 'standard:msg_1' })).outcome).toBe('restored');
    await expect(restore({ runId: 'standard:msg_1' }, 90)).rejects.toThrow(NothingToRestoreError);
  });

  it('keeps the deny of a permission set another unrestored run also holds', async () => {
    await revoke('standard:msg_1', 'departure');
    // SCIM re-added the membership; a lockdown removes it again and finds the group's set denied already.
    f.state.memberships.push({ membershipId: 'm-scim', groupId: 'g-eng', userId: JANE.userId });
    await revoke('lock-2', 'lockdown', 10);
    const report = await restore();

    expect(report).toMatchObject({ outcome: 'restored', undoes: ['lock-2'] });
    expect(report.keptInForce).toEqual([
      `deny in ${READ}: run standard:msg_1 also holds it and is not restored`,
    ]);
    expect(f.state.memberships.map((m) => m.groupId)).toEqual(['g-eng']);
    expect(revokedIdsIn(f.state.policies.get(READ))).toEqual([JANE.userId]);
    // The revoked-id entry stays while a run still holds the user.
    expect(f.state.items.has(`idc#revoked-users|${JANE.userId}`)).toBe(true);
  });

  it('re-creates no access while a newer unrestored run revoked the user again, and stays partial', async () => {
    await revoke('lock-1', 'lockdown');
    // SCIM re-added the membership, and a departure removed it again.
    f.state.memberships.push({ membershipId: 'm-scim', groupId: 'g-eng', userId: JANE.userId });
    await revoke('standard:msg_2', 'departure', 10);
    const report = await restore({ runId: 'lock-1' });

    expect(report.outcome).toBe('partial');
    expect(report.keptInForce).toEqual(
      expect.arrayContaining([
        `group g-eng: not re-created, run standard:msg_2 revoked the user again later and is not restored`,
      ]),
    );
    expect(f.ids).not.toHaveReceivedCommand(CreateGroupMembershipCommand);
    expect(f.sso).not.toHaveReceivedCommand(CreateAccountAssignmentCommand);
  });

  it('finds access already back and writes only what is missing', async () => {
    await revoke('lock-1', 'lockdown');
    f.state.memberships.push({ membershipId: 'm-back', groupId: 'g-eng', userId: JANE.userId });
    const report = await restore();
    expect(report.steps.find((s) => s.type === 'create-group-membership')).toMatchObject({
      outcome: 'already',
    });
    expect(f.ids).not.toHaveReceivedCommand(CreateGroupMembershipCommand);
  });

  it('plans a restore in a dry run and writes nothing', async () => {
    await revoke('lock-1', 'lockdown');
    f.ids.resetHistory();
    f.sso.resetHistory();
    f.ddb.resetHistory();
    const report = await restore({ dryRun: true });
    expect(report.outcome).toBe('planned');
    expect(report.steps.map((s) => s.outcome)).toEqual(Array(6).fill('planned'));
    expect(writes()).toEqual([]);
  });

  it('refuses, before any write, a protected user, an unknown one, and a record of another instance', async () => {
    await revoke('lock-1', 'lockdown');
    f.ids.resetHistory();
    f.sso.resetHistory();
    f.ddb.resetHistory();
    await expect(
      restoreIdentityCenterUser(
        { target: { identityCenterUser: 'jane' }, reason: 'r', requestedBy: 's' },
        f.deps({ protectedPrincipals: ['JANE'] }),
      ),
    ).rejects.toThrow(ProtectedPrincipalError);
    await expect(restore({ target: { identityCenterUser: 'nobody' } })).rejects.toThrow(NotFoundError);
    const record = [...f.state.items.values()].find((i) => i.kind === 'idc-revocation') as {
      snapshot: { instanceArn: string };
    };
    record.snapshot.instanceArn = 'arn:aws:sso:::instance/ssoins-ffffffffffffffff';
    await expect(restore()).rejects.toThrow(InvalidStateRecordError);
    expect(writes()).toEqual([]);
  });

  it('refuses a record naming another user in the partition', async () => {
    await revoke('lock-1', 'lockdown');
    const record = [...f.state.items.values()].find((i) => i.kind === 'idc-revocation') as {
      user: { userId: string };
    };
    record.user.userId = 'b0000000-0000-4000-8000-000000000002';
    await expect(restore()).rejects.toThrow(InvalidStateRecordError);
  });
});
