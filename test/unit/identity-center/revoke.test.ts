import {
  DeleteGroupMembershipCommand,
  GetUserIdCommand,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import {
  DeleteAccountAssignmentCommand,
  DescribePermissionSetProvisioningStatusCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type IdcRevocationRequest,
  revokedIdsIn,
  revokeIdentityCenterUser,
} from '../../../src/identity-center';
import { fakeIdentityCenter, NOW, psArn, seedUser } from './fake-identity-center';

const f = fakeIdentityCenter();
const ADMIN = psArn('admin');
const READ = psArn('read');
const JANE = {
  userId: 'a0000000-0000-4000-8000-000000000001',
  userName: 'jane@example.com',
  email: 'jane@example.com',
};
const request = (overrides: Partial<IdcRevocationRequest> = {}): IdcRevocationRequest => ({
  trigger: 'departure',
  mode: 'departure',
  target: { email: 'jane@example.com' },
  runId: 'standard:msg_1',
  reason: 'resigned',
  requestedBy: 'hr:standard',
  ...overrides,
});
/** Every write command the three mocked clients received. */
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
  f.state.describeAnswers = ['IN_PROGRESS', 'SUCCEEDED'];
});

describe('Function: revokeIdentityCenterUser', () => {
  it('saves the record before the first write, denies first, then removes the assignment and the membership', async () => {
    const report = await revokeIdentityCenterUser(request(), f.deps());

    expect(report.outcome).toBe('revoked');
    expect(report.steps.map((s) => s.id)).toEqual([
      '01-deny-permission-set',
      '02-deny-permission-set',
      '03-provision-permission-set',
      '04-provision-permission-set',
      '05-delete-account-assignment',
      '06-delete-group-membership',
    ]);
    const record = f.ddb
      .commandCalls(PutCommand)
      .find((c) => c.args[0].input.Item?.kind === 'idc-revocation');
    const [firstDeny] = f.sso.commandCalls(PutInlinePolicyToPermissionSetCommand);
    const [firstProvision] = f.sso.commandCalls(ProvisionPermissionSetCommand);
    const [deletion] = f.sso.commandCalls(DeleteAccountAssignmentCommand);
    expect(record?.calledBefore(firstDeny as never)).toBe(true);
    expect(firstDeny?.calledBefore(firstProvision as never)).toBe(true);
    expect(firstProvision?.calledBefore(deletion as never)).toBe(true);
    expect(f.ids).toHaveReceivedCommandWith(DeleteGroupMembershipCommand, { MembershipId: 'm-a0000000' });
    expect(revokedIdsIn(f.state.policies.get(ADMIN))).toEqual([JANE.userId]);
    expect(revokedIdsIn(f.state.policies.get(READ))).toEqual([JANE.userId]);
    expect(
      f.state.items.get(`principal#idc-user#${JANE.userId}|${NOW.toISOString()}#standard:msg_1`),
    ).toMatchObject({
      status: 'finished',
      outcome: 'revoked',
    });
    expect(f.state.items.get(`idc#revoked-users|${JANE.userId}`)).toMatchObject({
      at: NOW.toISOString(),
      runId: 'standard:msg_1',
    });
    expect(report.verification?.ok).toBe(true);
  });

  it('waits for the provisioning, bounded: polls until SUCCEEDED', async () => {
    const sleep = jest.fn(async () => undefined);
    const report = await revokeIdentityCenterUser(request(), f.deps({ timing: { sleep, pollMs: 7 } }));
    expect(report.provisioning.map((p) => p.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(f.sso).toHaveReceivedCommandTimes(DescribePermissionSetProvisioningStatusCommand, 3);
    expect(sleep).toHaveBeenCalledWith(7);
  });

  it('reports a provisioning still IN_PROGRESS after the wait, and the run partial (the deny is not confirmed)', async () => {
    f.state.describeAnswers = Array(20).fill('IN_PROGRESS');
    const report = await revokeIdentityCenterUser(
      request(),
      f.deps({ timing: { sleep: async () => undefined, maxPolls: 3 } }),
    );
    expect(report.provisioning.map((p) => p.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS']);
    expect(report.outcome).toBe('partial');
    expect(report.verification?.checks).toContainEqual({
      check: `provisioned ${ADMIN}`,
      ok: false,
      detail: 'IN_PROGRESS',
    });
    expect(f.sso).toHaveReceivedCommandTimes(DescribePermissionSetProvisioningStatusCommand, 6);
  });

  it('reports a FAILED provisioning as a failed step with its reason, and still removes the access', async () => {
    f.state.describeAnswers = ['FAILED', 'SUCCEEDED'];
    const report = await revokeIdentityCenterUser(request(), f.deps());
    expect(
      report.steps.find((s) => s.type === 'provision-permission-set' && s.outcome === 'failed'),
    ).toMatchObject({
      error: 'provisioning FAILED: role policy too large',
    });
    expect(report.outcome).toBe('partial');
    expect(f.state.assignments.filter((a) => a.principalId === JANE.userId)).toEqual([]);
  });

  it('retries a provisioning refused while another one of the set runs (ConflictException)', async () => {
    f.sso
      .on(ProvisionPermissionSetCommand)
      .rejectsOnce(Object.assign(new Error('in progress'), { name: 'ConflictException' }))
      .resolves({ PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'p' } });
    const report = await revokeIdentityCenterUser(request(), f.deps());
    expect(report.provisioning.map((p) => p.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(f.sso).toHaveReceivedCommandTimes(ProvisionPermissionSetCommand, 3);
  });

  it('plans the full revocation in a dry run and writes nothing', async () => {
    const report = await revokeIdentityCenterUser(request({ dryRun: true }), f.deps());
    expect(report.outcome).toBe('planned');
    expect(report.steps.map((s) => s.outcome)).toEqual(Array(6).fill('planned'));
    expect(report.manualSteps).toHaveLength(2);
    expect(writes()).toEqual([]);
  });

  it('plans and writes nothing when DRY_RUN is set, whatever the request says', async () => {
    const report = await revokeIdentityCenterUser(request({ dryRun: false }), f.deps({ dryRun: true }));
    expect(report).toMatchObject({ outcome: 'planned', dryRun: true });
    expect(writes()).toEqual([]);
  });

  it('writes nothing for a user whose userName matches PROTECTED_PRINCIPALS without case', async () => {
    const report = await revokeIdentityCenterUser(request(), f.deps({ protectedPrincipals: ['JANE@*'] }));
    expect(report).toMatchObject({ outcome: 'protected', steps: [], manualSteps: [] });
    expect(writes()).toEqual([]);
  });

  it('answers not-found, with reads only, when no user has the userName or email', async () => {
    const report = await revokeIdentityCenterUser(
      request({ target: { email: 'nobody@example.com' } }),
      f.deps(),
    );
    expect(report).toMatchObject({
      outcome: 'not-found',
      notes: ['no Identity Center user has this userName or email'],
    });
    expect(f.ids).toHaveReceivedCommandTimes(GetUserIdCommand, 2);
    expect(f.ids).not.toHaveReceivedCommand(ListGroupMembershipsForMemberCommand);
    expect(writes()).toEqual([]);
  });

  it('changes nothing when the record cannot be saved', async () => {
    f.ddb.on(PutCommand).rejects(new Error('table unavailable'));
    const report = await revokeIdentityCenterUser(request(), f.deps());
    expect(report.outcome).toBe('failed');
    expect(report.notes).toContain(
      'nothing changed: the state record could not be written (table unavailable)',
    );
    expect(f.sso).not.toHaveReceivedCommand(PutInlinePolicyToPermissionSetCommand);
    expect(f.ids).not.toHaveReceivedCommand(DeleteGroupMembershipCommand);
  });

  it('reports a re-read that fails as a failed verification, not a thrown run, and completes the record', async () => {
    let reads = 0;
    f.ids.on(ListGroupMembershipsForMemberCommand).callsFake(async () => {
      reads++;
      if (reads > 1) throw new Error('throttled');
      return {
        GroupMemberships: [
          { MembershipId: 'm-a0000000', GroupId: 'g-eng', MemberId: { UserId: JANE.userId } },
        ],
      };
    });
    const report = await revokeIdentityCenterUser(request(), f.deps());
    expect(report.outcome).toBe('partial');
    expect(report.verification).toEqual({
      ok: false,
      checks: [{ check: 're-read Identity Center', ok: false, detail: 'throttled' }],
    });
    expect(
      f.state.items.get(`principal#idc-user#${JANE.userId}|${NOW.toISOString()}#standard:msg_1`),
    ).toMatchObject({
      status: 'finished',
      outcome: 'partial',
    });
  });

  it('keeps going when one step fails: the others run and the run is partial', async () => {
    f.ids
      .on(DeleteGroupMembershipCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const report = await revokeIdentityCenterUser(request(), f.deps());
    expect(report.outcome).toBe('partial');
    expect(report.steps.find((s) => s.type === 'delete-group-membership')).toMatchObject({
      outcome: 'failed',
      error: 'AccessDeniedException: denied',
    });
    expect(f.state.assignments.filter((a) => a.principalId === JANE.userId)).toEqual([]);
  });
});
