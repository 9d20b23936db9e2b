import {
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../src/config';
import { runRestore } from '../../../src/engine/restore';
import { runRevocation } from '../../../src/engine/revoke';
import { InvalidStateRecordError } from '../../../src/engine/state';
import { NotFoundError, NothingToRestoreError, ProtectedPrincipalError } from '../../../src/errors';
import {
  ACCOUNT,
  answerDefaults,
  answerUser,
  iamWrites,
  mockAws,
  noSuchEntity,
} from '../../support/iam-mock';
import { answerStateTable } from '../../support/state-table';

const m = mockAws();
const QUARANTINE = 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3';
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const request = { target: { userName: 'alice' }, reason: 'closed', requestedBy: 'secops' };

const recordTable = () => answerStateTable(m);

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
    answerUser(m, { userName: 'alice' });
    await expect(runRestore(request, m.deps())).rejects.toThrow(NothingToRestoreError);
    await expect(runRestore(request, m.deps())).rejects.toThrow(/nothing to restore for user alice/);
    expect(iamWrites(m)).toEqual([]);
  });

  it('refuses an unknown user with NotFoundError', async () => {
    recordTable();
    m.iam.on(GetUserCommand).rejects(noSuchEntity());
    await expect(runRestore(request, m.deps())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a protected principal, and writes nothing', async () => {
    recordTable();
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown();
    m.iam.resetHistory();
    answerUser(m, { userName: 'alice', tags: { 'Offboarding:Protected': 'true' } });
    await expect(runRestore(request, m.deps())).rejects.toBeInstanceOf(ProtectedPrincipalError);
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

  describe('undoes one run', () => {
    const departure = () =>
      runRevocation(
        {
          trigger: 'departure',
          mode: 'departure',
          target: { userName: 'alice' },
          reason: 'left',
          requestedBy: 'hr',
          runId: 'standard:msg_1',
        },
        m.deps(),
      );
    const lockdownByKey = (accessKeyId: string) =>
      runRevocation(
        { trigger: 'lockdown', mode: 'lockdown', target: { accessKeyId }, reason: 'leak', requestedBy: 's' },
        m.deps(),
      );

    it('keeps a departure in force when a later lockdown of the same user is restored', async () => {
      const items = recordTable();
      const state = answerUser(m, {
        userName: 'alice',
        keys: [{ id: 'AKIAALICE00000000001' }],
        loginProfile: true,
      });
      m.iam
        .on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIAALICE00000000001' })
        .resolves({ UserName: 'alice' });
      await departure();
      await lockdownByKey('AKIAALICE00000000001');

      const report = await runRestore(request, m.deps());

      expect(state.attached).toEqual([DENY]);
      expect(state.keys?.[0]?.status).toBe('Inactive');
      expect(state.loginProfile).toBe(false);
      expect(report.keptInForce.join(' ')).toContain('departure run standard:msg_1');
      expect(report.undoes).toHaveLength(1);
      // Still revoked: the drift index keeps the user.
      expect(m.ddb).not.toHaveReceivedCommand(DeleteCommand);
      expect(items.filter((i) => i.kind === 'restore')).toHaveLength(1);
    });

    it('refuses to lift a departure unless its run is named, then lifts it', async () => {
      recordTable();
      const state = answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
      await departure();

      await expect(runRestore(request, m.deps())).rejects.toThrow(
        /name its runId: departure run standard:msg_1/,
      );
      expect(state.attached).toEqual([DENY]);

      const report = await runRestore({ ...request, runId: 'standard:msg_1' }, m.deps());
      expect(report.restored).toEqual({ trigger: 'departure', mode: 'departure' });
      expect(state.attached).toEqual([]);
      expect(state.keys?.[0]?.status).toBe('Active');
    });

    it('leaves keys another run deactivated Inactive, and never replays a step that failed', async () => {
      recordTable();
      const state = answerUser(m, {
        userName: 'alice',
        keys: [
          { id: 'AKIAALICE00000000001', status: 'Inactive' },
          { id: 'AKIAALICE00000000002' },
          { id: 'AKIAALICE00000000003' },
        ],
      });
      m.iam
        .on(UpdateAccessKeyCommand, { AccessKeyId: 'AKIAALICE00000000003', Status: 'Inactive' })
        .rejects(new Error('Throttling: Rate exceeded'));
      await lockdown();
      m.iam.resetHistory();

      await runRestore(request, m.deps());

      const reactivated = m.iam
        .commandCalls(UpdateAccessKeyCommand)
        .map((c) => `${c.args[0].input.AccessKeyId} ${c.args[0].input.Status}`);
      expect(reactivated).toEqual(['AKIAALICE00000000002 Active']);
      expect(state.keys?.map((k) => k.status ?? 'Active')).toEqual(['Inactive', 'Active', 'Active']);
    });

    it('addresses one principal and one record whatever the spelling (IAM stores alice)', async () => {
      const items = recordTable();
      // IAM's case rule, emulated: IAM finds the user whatever the request's case and answers GetUser with the
      // stored name; the reads under the request's spelling see the same user.
      answerUser(m, { userName: 'ALICE', keys: [{ id: 'AKIAALICE00000000001' }] });
      const state = answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
      m.iam.on(GetUserCommand, { UserName: 'ALICE' }).resolves({
        User: {
          UserName: 'alice',
          UserId: 'AIDAALICE',
          Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
          Path: '/',
          CreateDate: new Date(),
        },
      });
      await runRevocation(
        {
          trigger: 'lockdown',
          mode: 'lockdown',
          target: { userName: 'ALICE' },
          reason: 'r',
          requestedBy: 's',
        },
        m.deps(),
      );
      expect(items.filter((i) => i.kind === 'revocation').map((i) => i.pk)).toEqual(['principal#user#alice']);
      expect(items.filter((i) => i.kind === 'revoked-index').map((i) => i.sk)).toEqual(['alice']);

      const report = await runRestore(request, m.deps());

      expect(report.outcome).toBe('restored');
      expect(state.keys?.[0]?.status).toBe('Active');
    });
  });

  describe("refuses a record that is not the project's", () => {
    it.each([
      [
        'another principal',
        (i: Record<string, unknown>) => ({ ...i, principal: { kind: 'user', name: 'mallory', arn: 'x' } }),
      ],
      [
        'a deny policy other than DENY_POLICY_ARN',
        (i: Record<string, unknown>) => ({
          ...i,
          plan: [
            {
              type: 'attach-deny',
              policyArn: 'arn:aws:iam::123456789012:policy/ProdAccess',
              id: '01-attach-deny',
              state: 'todo',
            },
          ],
          results: [{ id: '01-attach-deny', type: 'attach-deny', subject: 'x', outcome: 'done' }],
        }),
      ],
      ['a bad shape', (i: Record<string, unknown>) => ({ ...i, plan: 'everything' })],
    ])('refuses %s with zero writes', async (_label, forge) => {
      const items = recordTable();
      answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
      await lockdown();
      const index = items.findIndex((i) => i.kind === 'revocation');
      items[index] = forge(items[index] as Record<string, unknown>);
      m.iam.resetHistory();
      m.ddb.resetHistory();

      await expect(runRestore(request, m.deps())).rejects.toBeInstanceOf(InvalidStateRecordError);
      expect(iamWrites(m)).toEqual([]);
      expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
    });
  });
});
