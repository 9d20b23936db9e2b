import {
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetUserCommand,
  LimitExceededException,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { DescribeSessionsCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { runRevocation } from '../../../src/engine/revoke';
import {
  ACCOUNT,
  answerDefaults,
  answerRole,
  answerUser,
  iamWrites,
  mockAws,
  NOW,
  noSuchEntity,
  ssmWrites,
} from '../../support/iam-mock';

const m = mockAws();
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const lockdownOf = (target: Record<string, string>, extra = {}) => ({
  trigger: 'lockdown' as const,
  mode: 'lockdown' as const,
  target: target as never,
  reason: 'INC-42',
  requestedBy: 'secops',
  ...extra,
});

beforeEach(() => {
  m.iam.reset();
  m.ssm.reset();
  m.sns.reset();
  m.ddb.reset();
  answerDefaults(m);
});

describe('Function: runRevocation', () => {
  it('saves the snapshot before the first write and attaches the deny before anything else', async () => {
    answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }, { id: 'AKIAALICE00000000002' }],
    });
    const order: string[] = [];
    m.ddb.on(PutCommand).callsFake(async () => order.push('PutItem'));
    m.iam.on(AttachUserPolicyCommand).callsFake(async () => order.push('AttachUserPolicy'));
    m.iam.on(UpdateAccessKeyCommand).callsFake(async () => order.push('UpdateAccessKey'));
    m.iam.on(TagUserCommand).callsFake(async () => order.push('TagUser'));

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    // The revocation record and the revoked-index entry, then the deny, then the rest.
    expect(order).toEqual([
      'PutItem',
      'PutItem',
      'AttachUserPolicy',
      'UpdateAccessKey',
      'UpdateAccessKey',
      'TagUser',
    ]);
    expect(m.ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: 'index#revoked-users',
        sk: 'alice',
        kind: 'revoked-index',
        mode: 'lockdown',
      }),
    });
    expect(m.ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'principal#user#alice', kind: 'revocation', status: 'started' }),
    });
    expect(report.principals[0]?.steps.map((s) => [s.type, s.outcome])).toContainEqual([
      'attach-deny',
      'done',
    ]);
  });

  it.each([
    ['by name', { protectedPrincipals: ['alice'] }, {}],
    ['by ARN glob', { protectedPrincipals: [`arn:aws:iam::${ACCOUNT}:user/*`] }, {}],
    ['by tag', {}, { 'offboarding:protected': 'true' }],
  ])('leaves a principal protected %s untouched and reports it', async (_label, config, tags) => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }], tags, loginProfile: true });

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps(config));

    expect(report.outcome).toBe('protected');
    expect(iamWrites(m)).toEqual([]);
    expect(ssmWrites(m)).toEqual([]);
    expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
    expect(report.principals[0]?.notes.join(' ')).toContain('protected:');
  });

  it('returns the full plan and writes nothing in a dry run', async () => {
    answerUser(m, {
      userName: 'alice',
      keys: [{ id: 'AKIAALICE00000000001' }],
      loginProfile: true,
      mfa: ['arn:aws:iam::123456789012:mfa/alice'],
    });
    m.ssm.on(DescribeSessionsCommand).resolves({
      Sessions: [
        {
          SessionId: 'alice-1',
          Owner: `arn:aws:iam::${ACCOUNT}:user/alice`,
          Target: 'i-0abc',
          Status: 'Connected',
        },
      ],
    });

    const report = await runRevocation(
      {
        ...lockdownOf({ employeeId: 'x' }),
        trigger: 'departure',
        mode: 'departure',
        target: { userName: 'alice' },
      },
      m.deps({ dryRun: true }),
    );

    expect(report.outcome).toBe('planned');
    expect(report.dryRun).toBe(true);
    expect(report.principals[0]?.steps.map((s) => [s.type, s.outcome])).toEqual([
      ['attach-deny', 'planned'],
      ['deactivate-access-key', 'planned'],
      ['delete-login-profile', 'planned'],
      ['deactivate-mfa', 'planned'],
      ['terminate-sessions', 'planned'],
      ['tag-principal', 'planned'],
    ]);
    expect(report.principals[0]?.sessions.map((s) => s.target)).toEqual(['i-0abc']);
    expect(iamWrites(m)).toEqual([]);
    expect(ssmWrites(m)).toEqual([]);
    expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('honours a dry run asked for in the request', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    const report = await runRevocation(lockdownOf({ userName: 'alice' }, { dryRun: true }), m.deps());
    expect(report.outcome).toBe('planned');
    expect(iamWrites(m)).toEqual([]);
  });

  it('keeps going when session termination fails, and reports the run partial with the error', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.ssm.on(DescribeSessionsCommand).resolves({
      Sessions: [{ SessionId: 'alice-1', Owner: `arn:aws:iam::${ACCOUNT}:user/alice`, Target: 'i-0abc' }],
    });
    m.ssm.on(TerminateSessionCommand).rejects(new Error('ssm is down'));

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    const steps = report.principals[0]?.steps ?? [];
    expect(report.outcome).toBe('partial');
    expect(steps.find((s) => s.type === 'terminate-sessions')).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('ssm is down'),
    });
    expect(steps.filter((s) => s.type !== 'terminate-sessions').map((s) => [s.type, s.outcome])).toEqual([
      ['attach-deny', 'done'],
      ['deactivate-access-key', 'done'],
      ['delete-login-profile', 'already'],
      ['tag-principal', 'done'],
    ]);
    expect(m.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      AccessKeyId: 'AKIAALICE00000000001',
      Status: 'Inactive',
    });
  });

  it('fails a session step whose sessions are still active after termination', async () => {
    answerUser(m, { userName: 'alice' });
    m.ssm.on(DescribeSessionsCommand).resolves({
      Sessions: [
        {
          SessionId: 'stuck-1',
          Owner: `arn:aws:iam::${ACCOUNT}:user/alice`,
          Target: 'i-1',
          Status: 'Connected',
        },
      ],
    });
    m.ssm.on(TerminateSessionCommand).resolves({ SessionId: 'stuck-1' });

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    expect(report.principals[0]?.steps.find((s) => s.type === 'terminate-sessions')).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('still active'),
    });
    expect(report.outcome).toBe('partial');
  });

  it('terminates all of 120 paginated sessions and confirms them gone', async () => {
    answerUser(m, { userName: 'alice' });
    const owner = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const sessions = Array.from({ length: 120 }, (_, i) => ({
      SessionId: `alice-${i}`,
      Owner: owner,
      Target: `i-${i % 3}`,
    }));
    const terminated = new Set<string>();
    m.ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => {
      terminated.add(input.SessionId);
      return {};
    });
    m.ssm.on(DescribeSessionsCommand).callsFake(async (input: { NextToken?: string; Filters?: unknown }) => {
      expect(input.Filters).toEqual([{ key: 'Owner', value: owner }]);
      const live = sessions.filter((s) => !terminated.has(s.SessionId));
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = live.slice(start, start + 50);
      return { Sessions: page, NextToken: start + 50 < live.length ? String(start + 50) : undefined };
    });

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    expect(terminated.size).toBe(120);
    expect(report.principals[0]?.sessions).toHaveLength(120);
    expect(report.principals[0]?.steps.find((s) => s.type === 'terminate-sessions')?.outcome).toBe('done');
    expect(report.outcome).toBe('revoked');
  });

  it("also ends the person's federated sessions (assumed-role/<any>/<email>) named by the user's email tag", async () => {
    answerUser(m, { userName: 'alice', tags: { email: 'alice@example.com' } });
    let live = [
      { SessionId: 'own', Owner: `arn:aws:iam::${ACCOUNT}:user/alice`, Target: 'i-1' },
      {
        SessionId: 'sso',
        Owner: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Dev_1/alice@example.com`,
        Target: 'i-2',
      },
      {
        SessionId: 'bob',
        Owner: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Dev_1/bob@example.com`,
        Target: 'i-3',
      },
    ];
    m.ssm.on(DescribeSessionsCommand).callsFake(async () => ({ Sessions: live }));
    m.ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => {
      live = live.filter((s) => s.SessionId !== input.SessionId);
      return {};
    });

    await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    expect(live.map((s) => s.SessionId)).toEqual(['bob']);
  });

  it('reads every page of attached policies and MFA devices', async () => {
    answerUser(m, { userName: 'alice', loginProfile: true });
    m.iam
      .on(ListAttachedUserPoliciesCommand)
      .resolvesOnce({
        AttachedPolicies: [
          { PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', PolicyName: 'ReadOnlyAccess' },
        ],
        IsTruncated: true,
        Marker: 'p2',
      })
      .resolves({ AttachedPolicies: [{ PolicyArn: DENY, PolicyName: 'AWSDenyAll' }], IsTruncated: false });
    m.iam
      .on(ListMFADevicesCommand)
      .resolvesOnce({
        MFADevices: [{ SerialNumber: 'mfa-1', UserName: 'alice', EnableDate: new Date() }],
        IsTruncated: true,
        Marker: 'm2',
      })
      .resolves({
        MFADevices: [{ SerialNumber: 'mfa-2', UserName: 'alice', EnableDate: new Date() }],
        IsTruncated: false,
      });

    const report = await runRevocation(
      { ...lockdownOf({ userName: 'alice' }), trigger: 'departure', mode: 'departure' },
      m.deps(),
    );

    const steps = report.principals[0]?.steps ?? [];
    // The deny on the second page is seen: no AttachUserPolicy.
    expect(steps.find((s) => s.type === 'attach-deny')?.outcome).toBe('already');
    expect(m.iam).not.toHaveReceivedCommand(AttachUserPolicyCommand);
    expect(steps.filter((s) => s.type === 'deactivate-mfa').map((s) => s.subject)).toEqual([
      'mfa-1',
      'mfa-2',
    ]);
  });

  it('never puts an inline policy: with the quota full and no deny group, the deny fails and says so', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.iam
      .on(AttachUserPolicyCommand)
      .rejects(
        new LimitExceededException({ message: 'Cannot exceed quota for PoliciesPerUser: 10', $metadata: {} }),
      );

    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());

    expect(m.iam).not.toHaveReceivedCommand(PutUserPolicyCommand);
    const principal = report.principals[0];
    expect(principal?.steps[0]).toMatchObject({
      type: 'attach-deny',
      outcome: 'failed',
      error: expect.stringMatching(/quota of alice is full.*no deny group is configured.*NOT in place/),
    });
    // The other steps still ran; verification says the deny is missing.
    expect(principal?.steps.find((s) => s.type === 'deactivate-access-key')?.outcome).toBe('done');
    expect(principal?.verification?.checks[0]).toEqual({
      check: 'deny policy attached',
      ok: false,
      detail: `${DENY} not attached`,
    });
    expect(report.outcome).toBe('partial');
  });

  it("locks a role with a TokenIssueTime deny at the run's now and ends its assumed-role sessions", async () => {
    answerRole(m, 'deployer');
    const prefix = `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/`;
    let live = [
      { SessionId: 's-1', Owner: `${prefix}ci-run-1`, Target: 'i-0bastion' },
      { SessionId: 's-2', Owner: `${prefix}alice@example.com`, Target: 'i-0bastion' },
      { SessionId: 's-other', Owner: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer-two/x`, Target: 'i-9' },
    ];
    m.ssm.on(DescribeSessionsCommand).callsFake(async () => ({ Sessions: live }));
    m.ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => {
      live = live.filter((s) => s.SessionId !== input.SessionId);
      return {};
    });

    const report = await runRevocation(lockdownOf({ roleName: 'deployer' }), m.deps());

    const put = m.iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input;
    expect(put?.RoleName).toBe('deployer');
    expect(JSON.parse(put?.PolicyDocument ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OffboardingRevokeOlderSessions',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': NOW.toISOString() } },
        },
      ],
    });
    expect(
      m.ssm
        .commandCalls(TerminateSessionCommand)
        .map((c) => c.args[0].input.SessionId)
        .sort(),
    ).toEqual(['s-1', 's-2']);
    expect(live.map((s) => s.SessionId)).toEqual(['s-other']);
    expect(report.outcome).toBe('revoked');
    expect(report.principals[0]?.verification?.ok).toBe(true);
  });

  it('resolves an access key to its owner and revokes that user', async () => {
    answerUser(m, { userName: 'bob', keys: [{ id: 'AKIABOB0000000000001' }] });
    const report = await runRevocation(lockdownOf({ accessKeyId: 'AKIABOB0000000000001' }), m.deps());
    expect(report.principals.map((p) => p.principal.name)).toEqual(['bob']);
    expect(m.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: 'bob',
      AccessKeyId: 'AKIABOB0000000000001',
    });
  });

  it('reports an unknown access key as not-found with zero writes', async () => {
    m.iam
      .on(GetAccessKeyLastUsedCommand)
      .rejects(noSuchEntity('The Access Key with id AKIA... cannot be found'));
    const report = await runRevocation(lockdownOf({ accessKeyId: 'AKIAUNKNOWN000000000' }), m.deps());
    expect(report.outcome).toBe('not-found');
    expect(report.notes.join(' ')).toContain('AKIAUNKNOWN000000000');
    expect(iamWrites(m)).toEqual([]);
    expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('reports an unknown user as not-found with zero writes', async () => {
    m.iam.on(GetUserCommand).rejects(noSuchEntity());
    const report = await runRevocation(lockdownOf({ userName: 'ghost' }), m.deps());
    expect(report.outcome).toBe('not-found');
    expect(iamWrites(m)).toEqual([]);
  });

  it("ends a departing person's Identity Center role sessions where the person has no IAM user", async () => {
    m.iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [] });
    const sso = (role: string, name: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${name}`;
    const sessions = [
      {
        SessionId: 's-idc',
        Owner: sso('AWSReservedSSO_Admin_0123abcd', 'jane@example.com'),
        Status: 'Connected',
      },
      {
        SessionId: 's-other',
        Owner: sso('AWSReservedSSO_Admin_0123abcd', 'john@example.com'),
        Status: 'Connected',
      },
      { SessionId: 's-ci', Owner: sso('ci-deploy', 'jane@example.com'), Status: 'Connected' },
    ];
    let terminated = false;
    m.ssm.on(DescribeSessionsCommand).callsFake(async () => ({
      Sessions: terminated ? sessions.filter((s) => s.SessionId !== 's-idc') : sessions,
    }));
    m.ssm.on(TerminateSessionCommand).callsFake(async () => {
      terminated = true;
      return {};
    });
    const departure = {
      ...lockdownOf({ email: 'jane@example.com' }),
      trigger: 'departure' as const,
      mode: 'departure' as const,
    };
    const report = await runRevocation(departure, m.deps());
    expect(report.outcome).toBe('not-found');
    expect(m.ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input.SessionId)).toEqual([
      's-idc',
    ]);
    expect(report.notes).toContainEqual(
      expect.stringMatching(/Identity Center role sessions of jane@example.com in .*: done/),
    );
    // A userName other than the email, when the departure knows it, is matched too.
    m.ssm.resetHistory();
    terminated = false;
    sessions.push({
      SessionId: 's-jdoe',
      Owner: sso('AWSReservedSSO_Dev_9f8e7d6c', 'jdoe'),
      Status: 'Connected',
    });
    await runRevocation({ ...departure, identityCenterUserName: 'jdoe' }, m.deps());
    expect(
      m.ssm
        .commandCalls(TerminateSessionCommand)
        .map((c) => c.args[0].input.SessionId)
        .sort(),
    ).toEqual(['s-idc', 's-jdoe']);
    // A lockdown of the person does not (a departure closes everything; a lockdown acts on principals).
    m.ssm.resetHistory();
    await runRevocation(lockdownOf({ email: 'jane@example.com' }), m.deps());
    expect(m.ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
  });

  it("revokes every user tagged with the person's identifiers, found in pages without a call per user", async () => {
    answerUser(m, { userName: 'jane', tags: { email: 'jane@example.com' } });
    answerUser(m, { userName: 'jane-admin', tags: { 'employee-id': 'E7' } });
    m.iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({
        UserDetailList: [
          {
            UserName: 'jane',
            Arn: `arn:aws:iam::${ACCOUNT}:user/jane`,
            Tags: [{ Key: 'email', Value: 'Jane@Example.com' }],
          },
          {
            UserName: 'john',
            Arn: `arn:aws:iam::${ACCOUNT}:user/john`,
            Tags: [{ Key: 'email', Value: 'john@example.com' }],
          },
        ],
        IsTruncated: true,
        Marker: 'next',
      })
      .resolves({
        UserDetailList: [
          {
            UserName: 'jane-admin',
            Arn: `arn:aws:iam::${ACCOUNT}:user/jane-admin`,
            Tags: [{ Key: 'employee-id', Value: 'E7' }],
          },
        ],
        IsTruncated: false,
      });

    const report = await runRevocation(
      {
        ...lockdownOf({}),
        trigger: 'departure',
        mode: 'departure',
        target: { employeeId: 'E7', email: 'jane@example.com' },
      },
      m.deps(),
    );

    expect(report.principals.map((p) => p.principal.name).sort()).toEqual(['jane', 'jane-admin']);
    expect(m.iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(2);
  });

  it('publishes nothing: the report is returned and its caller publishes it', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());
    expect(report.outcome).toBe('revoked');
    expect(m.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('changes nothing when the snapshot cannot be saved', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.ddb.on(PutCommand).rejects(new Error('table unavailable'));
    const report = await runRevocation(lockdownOf({ userName: 'alice' }), m.deps());
    expect(report.outcome).toBe('failed');
    expect(report.principals[0]?.notes.join(' ')).toContain('table unavailable');
    expect(iamWrites(m)).toEqual([]);
  });
});
