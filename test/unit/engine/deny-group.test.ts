import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  LimitExceededException,
  ListGroupsForUserCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import { loadConfig } from '../../../src/config';
import { attachDeny } from '../../../src/engine/actions/attach-deny';
import { denyForm, denyInPlace, denyTargetOf } from '../../../src/engine/deny';
import { runRestore } from '../../../src/engine/restore';
import { runRevocation } from '../../../src/engine/revoke';
import { InvalidStateRecordError } from '../../../src/engine/state';
import type { PrincipalRef } from '../../../src/engine/types';
import { verifyUser } from '../../../src/engine/verify';
import { answerDefaults, answerUser, iamWrites, mockAws, NOW, noSuchEntity } from '../../support/iam-mock';
import { answerStateTable } from '../../support/state-table';

/**
 * The deny group: when a user's managed-policy quota is full, the deny is membership of `DENY_GROUP_NAME` (a
 * group with the deny policy attached) instead of an inline policy. The action, its undo, the one check
 * (`denyInPlace`), the planner's and verification's use of it, and restore's.
 */

const m = mockAws();
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const GROUP = 'offboarding-prod-denied';
const alice: PrincipalRef = { kind: 'user', name: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' };
const quotaFull = (what = 'PoliciesPerUser') =>
  new LimitExceededException({ message: `Cannot exceed quota for ${what}: 10`, $metadata: {} });

/** The user's groups as IAM holds them: ListGroupsForUser (in pages of `pageSize`), Add/RemoveUserToGroup. */
function answerGroups(userName: string, initial: string[] = [], pageSize = 100): Set<string> {
  const groups = new Set(initial);
  m.iam.on(ListGroupsForUserCommand, { UserName: userName }).callsFake(async (i: { Marker?: string }) => {
    const all = [...groups];
    const start = Number(i.Marker ?? 0);
    const page = all.slice(start, start + pageSize);
    const next = start + pageSize < all.length ? String(start + pageSize) : undefined;
    return {
      Groups: page.map((GroupName) => ({
        GroupName,
        GroupId: `AGPA${GroupName.toUpperCase()}`,
        Arn: `arn:aws:iam::123456789012:group/${GroupName}`,
        Path: '/',
        CreateDate: NOW,
      })),
      IsTruncated: next !== undefined,
      ...(next ? { Marker: next } : {}),
    };
  });
  m.iam.on(AddUserToGroupCommand, { UserName: userName }).callsFake(async (i: { GroupName: string }) => {
    groups.add(i.GroupName);
    return {};
  });
  m.iam.on(RemoveUserFromGroupCommand, { UserName: userName }).callsFake(async (i: { GroupName: string }) => {
    if (!groups.delete(i.GroupName)) throw noSuchEntity(`User ${userName} not in group ${i.GroupName}`);
    return {};
  });
  return groups;
}

const recordTable = () => answerStateTable(m);

const lockdownOf = (userName = 'alice') =>
  ({
    trigger: 'lockdown',
    mode: 'lockdown',
    target: { userName },
    reason: 'INC-42',
    requestedBy: 'secops',
  }) as const;
const restoreOf = (userName = 'alice') => ({ target: { userName }, reason: 'closed', requestedBy: 'secops' });
const ctx = () => ({ principal: alice, clients: m.deps().clients, now: NOW, runId: 'run-1' });
const step = (groupName?: string) => ({
  type: 'attach-deny' as const,
  policyArn: DENY,
  ...(groupName ? { groupName } : {}),
  id: '01-attach-deny',
  state: 'todo' as const,
});

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('DENY_GROUP_NAME (src/config.ts)', () => {
  const env = {
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    STATE_TABLE: 't',
    AWS_REGION: 'us-east-1',
  };

  it('is empty by default: no group fallback', () => {
    expect(loadConfig(env).denyGroupName).toBeUndefined();
    expect(loadConfig({ ...env, DENY_GROUP_NAME: ' ' }).denyGroupName).toBeUndefined();
    expect(denyTargetOf(loadConfig(env))).toEqual({ policyArn: DENY });
  });

  it('takes an IAM group name', () => {
    const config = loadConfig({ ...env, DENY_GROUP_NAME: GROUP });
    expect(config.denyGroupName).toBe(GROUP);
    expect(denyTargetOf(config)).toEqual({ policyArn: DENY, groupName: GROUP });
  });

  it.each([
    ['a path', '/offboarding/denied'],
    ['an ARN', `arn:aws:iam::123456789012:group/${GROUP}`],
    ['a space', 'denied users'],
    ['129 characters', 'g'.repeat(129)],
  ])('refuses %s', (_what, value) => {
    expect(() => loadConfig({ ...env, DENY_GROUP_NAME: value })).toThrow(
      /DENY_GROUP_NAME must be an IAM group name/,
    );
  });
});

describe('Function: denyInPlace (the one check)', () => {
  const deny = { policyArn: DENY, groupName: GROUP };

  it('counts the policy attached, membership of the deny group, and the inline deny of an earlier version', () => {
    expect(denyForm({ attachedPolicyArns: [DENY] }, deny)).toBe('policy');
    expect(denyForm({ attachedPolicyArns: [], groupNames: ['devs', GROUP] }, deny)).toBe('group');
    expect(denyForm({ attachedPolicyArns: [], inlinePolicyNames: ['OffboardingDenyAll'] }, deny)).toBe(
      'inline',
    );
  });

  it('counts nothing else: another group, another policy, a group without one configured', () => {
    expect(denyInPlace({ attachedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }, deny)).toBe(false);
    expect(denyInPlace({ attachedPolicyArns: [], groupNames: ['devs', `${GROUP}-2`] }, deny)).toBe(false);
    expect(denyInPlace({ attachedPolicyArns: [], inlinePolicyNames: ['allow-all'] }, deny)).toBe(false);
    expect(denyInPlace({ attachedPolicyArns: [], groupNames: [GROUP] }, { policyArn: DENY })).toBe(false);
  });
});

describe('Action: attach-deny', () => {
  it('attaches the deny policy and touches no group while the quota allows', async () => {
    answerGroups('alice');
    m.iam.on(AttachUserPolicyCommand).resolves({});
    expect(await attachDeny.execute(step(GROUP), ctx())).toEqual({ outcome: 'done' });
    expect(iamWrites(m)).toEqual(['AttachUserPolicyCommand']);
  });

  it('adds the user to the deny group when the managed-policy quota is full, and says so', async () => {
    const groups = answerGroups('alice');
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());

    const out = await attachDeny.execute(step(GROUP), ctx());

    expect(out).toEqual({
      outcome: 'done',
      detail: `managed-policy quota of alice is full (LimitExceeded on ${DENY}): added to the deny group ${GROUP} (which has ${DENY} attached) instead`,
    });
    expect(m.iam).toHaveReceivedCommandWith(AddUserToGroupCommand, { UserName: 'alice', GroupName: GROUP });
    expect([...groups]).toEqual([GROUP]);
    expect(iamWrites(m)).toEqual(['AttachUserPolicyCommand', 'AddUserToGroupCommand']);
  });

  it('fails, and says the deny is not in place, when the group quota is full too', async () => {
    answerGroups('alice');
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    m.iam.on(AddUserToGroupCommand).rejects(quotaFull('GroupsPerUser'));

    const out = await attachDeny.execute(step(GROUP), ctx());

    expect(out.outcome).toBe('failed');
    expect(out.error).toMatch(
      new RegExp(`quota of alice is full .*group quota is full too .*${GROUP}.*the deny is NOT in place`),
    );
    expect(m.iam).not.toHaveReceivedCommand(PutUserPolicyCommand);
  });

  it('fails without a deny group, and never puts an inline policy', async () => {
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    const out = await attachDeny.execute(step(), ctx());
    expect(out).toMatchObject({ outcome: 'failed', error: expect.stringContaining('DENY_GROUP_NAME') });
    expect(iamWrites(m)).toEqual(['AttachUserPolicyCommand']);
  });

  it('throws any other error of the attach or of the group (recorded failed by the executor)', async () => {
    m.iam.on(AttachUserPolicyCommand).rejects(new Error('Throttling: Rate exceeded'));
    await expect(attachDeny.execute(step(GROUP), ctx())).rejects.toThrow(/Throttling/);
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    m.iam.on(AddUserToGroupCommand).rejects(noSuchEntity(`The group with name ${GROUP} cannot be found.`));
    await expect(attachDeny.execute(step(GROUP), ctx())).rejects.toThrow(/cannot be found/);
  });

  it('declares only the limited writes: no PutUserPolicy', () => {
    expect(attachDeny.permissions).toEqual(['iam:AttachUserPolicy', 'iam:AddUserToGroup']);
    expect(attachDeny.undo?.permissions).toEqual([
      'iam:DetachUserPolicy',
      'iam:RemoveUserFromGroup',
      'iam:DeleteUserPolicy',
    ]);
  });

  describe('undo', () => {
    it('takes the user out of the deny group', async () => {
      const groups = answerGroups('alice', ['devs', GROUP]);
      m.iam.on(DetachUserPolicyCommand).rejects(noSuchEntity('not attached'));
      m.iam.on(DeleteUserPolicyCommand).rejects(noSuchEntity('no such inline policy'));

      const out = await attachDeny.undo?.execute(step(GROUP), ctx());

      expect(out).toEqual({ outcome: 'done', detail: `removed from the deny group ${GROUP}` });
      expect([...groups]).toEqual(['devs']);
      expect(m.iam).toHaveReceivedCommandWith(RemoveUserFromGroupCommand, {
        UserName: 'alice',
        GroupName: GROUP,
      });
    });

    it('deletes the inline OffboardingDenyAll of an earlier version (a record without a group)', async () => {
      m.iam.on(DetachUserPolicyCommand).rejects(noSuchEntity('not attached'));
      m.iam.on(DeleteUserPolicyCommand).resolves({});

      const out = await attachDeny.undo?.execute(step(), ctx());

      expect(out).toEqual({
        outcome: 'done',
        detail: 'deleted the inline OffboardingDenyAll of an earlier version',
      });
      expect(m.iam).toHaveReceivedCommandWith(DeleteUserPolicyCommand, {
        UserName: 'alice',
        PolicyName: 'OffboardingDenyAll',
      });
      // No group named in the step: no group touched.
      expect(m.iam).not.toHaveReceivedCommand(RemoveUserFromGroupCommand);
    });

    it('finds nothing to remove when no form of the deny is there', async () => {
      answerGroups('alice', ['devs']);
      m.iam.on(DetachUserPolicyCommand).rejects(noSuchEntity('not attached'));
      m.iam.on(DeleteUserPolicyCommand).rejects(noSuchEntity('no such inline policy'));
      expect(await attachDeny.undo?.execute(step(GROUP), ctx())).toEqual({
        outcome: 'already',
        detail: 'no deny in place',
      });
    });
  });
});

describe('Function: verifyUser (the deny check)', () => {
  const plan = [step(GROUP)];

  it('holds for a member of the deny group, read in pages', async () => {
    answerUser(m, { userName: 'alice' });
    answerGroups('alice', ['a', 'b', GROUP], 2);

    const v = await verifyUser(m.deps().clients.iam, 'alice', plan, [], DENY, NOW, GROUP);

    expect(v.checks[0]).toEqual({ check: `deny in place: member of the deny group ${GROUP}`, ok: true });
    expect(m.iam.commandCalls(ListGroupsForUserCommand)).toHaveLength(2);
    expect(v.ok).toBe(true);
  });

  it('fails, naming both forms, when the user is neither attached nor a member', async () => {
    answerUser(m, { userName: 'alice' });
    answerGroups('alice', ['devs']);

    const v = await verifyUser(m.deps().clients.iam, 'alice', plan, [], DENY, NOW, GROUP);

    expect(v.checks[0]).toEqual({
      check: 'deny policy attached',
      ok: false,
      detail: `${DENY} not attached, nor member of the deny group ${GROUP}`,
    });
    expect(v.ok).toBe(false);
  });

  it('reads no group without a deny group configured', async () => {
    answerUser(m, { userName: 'alice', attached: [DENY] });
    const v = await verifyUser(m.deps().clients.iam, 'alice', plan, [], DENY, NOW);
    expect(v.checks[0]).toEqual({ check: 'deny policy attached', ok: true });
    expect(m.iam).not.toHaveReceivedCommand(ListGroupsForUserCommand);
  });
});

describe('Engine: a user whose managed-policy quota is full', () => {
  const withGroup = () => m.deps({ denyGroupName: GROUP });

  it('is revoked through the deny group: snapshot reads the groups in the first wave, verification holds', async () => {
    recordTable();
    const state = answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    const groups = answerGroups('alice', ['devs']);
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());

    const report = await runRevocation(lockdownOf(), withGroup());

    const principal = report.principals[0];
    expect(report.outcome).toBe('revoked');
    expect(principal?.steps[0]).toMatchObject({
      type: 'attach-deny',
      outcome: 'done',
      detail: expect.stringContaining(`added to the deny group ${GROUP}`),
    });
    expect([...groups]).toEqual(['devs', GROUP]);
    expect(state.attached ?? []).toEqual([]);
    expect(principal?.verification?.checks[0]).toEqual({
      check: `deny in place: member of the deny group ${GROUP}`,
      ok: true,
    });
    expect(m.iam).not.toHaveReceivedCommand(PutUserPolicyCommand);
    // The groups are read with the other snapshot reads, before any write.
    const names = m.iam.calls().map((c) => c.args[0].constructor.name as string);
    expect(names.indexOf('ListGroupsForUserCommand')).toBeLessThan(names.indexOf('AttachUserPolicyCommand'));
  });

  it('is already denied on a second run: no attach, no add', async () => {
    recordTable();
    answerUser(m, { userName: 'alice' });
    answerGroups('alice', [GROUP]);

    const report = await runRevocation(lockdownOf(), withGroup());

    expect(report.principals[0]?.steps[0]).toMatchObject({ type: 'attach-deny', outcome: 'already' });
    expect(m.iam).not.toHaveReceivedCommand(AttachUserPolicyCommand);
    expect(m.iam).not.toHaveReceivedCommand(AddUserToGroupCommand);
  });

  it('is restored: restore takes it out of the deny group and verifies the deny is gone', async () => {
    recordTable();
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    const groups = answerGroups('alice', ['devs']);
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    await runRevocation(lockdownOf(), withGroup());
    expect([...groups]).toContain(GROUP);

    const report = await runRestore(restoreOf(), withGroup());

    expect(report.outcome).toBe('restored');
    expect([...groups]).toEqual(['devs']);
    expect(report.steps.find((s) => s.type === 'attach-deny')).toMatchObject({
      outcome: 'done',
      detail: `removed from the deny group ${GROUP}`,
    });
    expect(report.verification?.checks).toContainEqual({ check: 'deny removed', ok: true });
  });

  it('reports a restore partial when the user is still in the deny group afterwards', async () => {
    recordTable();
    answerUser(m, { userName: 'alice' });
    const groups = answerGroups('alice');
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    await runRevocation(lockdownOf(), withGroup());
    // IAM answers the removal but the membership stays (e.g. re-added meanwhile): the re-read sees it.
    m.iam.on(RemoveUserFromGroupCommand).resolves({});
    expect([...groups]).toEqual([GROUP]);

    const report = await runRestore(restoreOf(), withGroup());

    expect(report.verification?.checks).toContainEqual({ check: 'deny removed', ok: false });
    expect(report.outcome).toBe('partial');
  });

  it('refuses a record naming another deny group before any write', async () => {
    const items = recordTable();
    answerUser(m, { userName: 'alice' });
    answerGroups('alice');
    m.iam.on(AttachUserPolicyCommand).rejects(quotaFull());
    await runRevocation(lockdownOf(), withGroup());
    for (const item of items) {
      for (const s of (item.plan as { type: string; groupName?: string }[] | undefined) ?? []) {
        if (s.type === 'attach-deny') s.groupName = 'admins';
      }
    }
    m.iam.resetHistory();

    await expect(runRestore(restoreOf(), withGroup())).rejects.toThrow(InvalidStateRecordError);
    await expect(runRestore(restoreOf(), withGroup())).rejects.toThrow(
      /names deny group admins, not DENY_GROUP_NAME/,
    );
    expect(iamWrites(m)).toEqual([]);
  });
});
