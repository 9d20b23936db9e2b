/**
 * The Identity Center revocation on moto_server (identitystore, sso-admin, DynamoDB): a user with a direct
 * assignment and a group with an assignment is revoked, two concurrent revocations on one permission set both
 * land, restore returns everything to the snapshot, a dry run and a protected user write nothing. Every
 * assertion reads moto's state back, never what the code said it did.
 *
 * moto 5.2.1 lacks DescribePermissionSetProvisioningStatus (500) and answers ProvisionPermissionSet SUCCEEDED at
 * once. So the operator's sso-admin client carries ONE stand-in, `provisioningStatusStandIn`: it rewrites the
 * ProvisionPermissionSet answer to IN_PROGRESS (as AWS answers; moto still records the provisioning) and answers
 * DescribePermissionSetProvisioningStatus SUCCEEDED on the second poll, so the bounded wait is exercised. Every
 * other call is moto's own answer. moto ignores `Condition` blocks: the deny itself is proven with an IAM
 * evaluator in test/unit/identity-center/deny-simulate.test.ts.
 */
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  IdentitystoreClient,
  ListGroupMembershipsForMemberCommand,
} from '@aws-sdk/client-identitystore';
import {
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type IdcDeps,
  type IdcRevocationReport,
  removeRevokedIds,
  restoreIdentityCenterUser,
  revokedIdsIn,
  revokeIdentityCenterUser,
  sweepIdentityCenterDrift,
} from '../../src/identity-center';
import { identityCenterSeed } from '../../tools/local/identity-center-seed';
import { type Moto, startMoto } from '../../tools/local/moto';
import { provisioningStatusStandIn } from '../../tools/local/provisioning-stand-in';
import { createStateTable, motoClients } from '../../tools/local/seed';

const TABLE = 'offboarding-state';
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
/** A pre-existing inline policy, formatted by hand: its statement must keep these exact bytes. */
const ADMIN_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    {   "Sid": "TeamBuckets", "Effect": "Allow",
        "Action": ["s3:GetObject",  "s3:PutObject"], "Resource": "arn:aws:s3:::team-*/*" }
  ]
}`;
const TEAM_BUCKETS = ADMIN_POLICY.slice(
  ADMIN_POLICY.indexOf('{   "Sid"'),
  ADMIN_POLICY.indexOf('}\n  ]') + 1,
);

let moto: Moto;
let identitystore: IdentitystoreClient;
let ssoAdmin: SSOAdminClient;
let instanceArn: string;
let identityStoreId: string;
/** Every write command sent by the code under test, by client. */
const writes: string[] = [];
/** The provisioning-status stand-in's describe calls answered (tools/local/provisioning-stand-in.ts). */
let standIn: { readonly polls: number };
const sets: Record<'admin' | 'readOnly' | 'shared', string> = { admin: '', readOnly: '', shared: '' };
const users: Record<string, string> = {};
let engineeringGroup = '';

const isWrite = (command: string) => !/^(Get|List|Describe|Query)/.test(command);

/** Records each write command a client sends (the dry-run and protection proofs count them). */
function recordWrites(client: { middlewareStack: unknown }, label: string): void {
  (client.middlewareStack as SSOAdminClient['middlewareStack']).add(
    (next, context) => async (args) => {
      if (isWrite(String(context.commandName).replace(/Command$/, '')))
        writes.push(`${label}:${context.commandName}`);
      return next(args);
    },
    { step: 'initialize', name: 'recordWrites' },
  );
}

/** Lock attempts refused because another run held the lock: proof that two revocations met at the lock. */
let lockRefusals = 0;

/** Counts the lock's refused conditional puts on the state table's client. */
function countLockRefusals(ddb: IdcDeps['ddb']): IdcDeps['ddb'] {
  ddb.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Item?: { pk?: string } };
      try {
        return await next(args);
      } catch (err) {
        if (
          input.Item?.pk === 'lock#permission-set' &&
          (err as Error).name === 'ConditionalCheckFailedException'
        )
          lockRefusals++;
        throw err;
      }
    },
    { step: 'initialize', name: 'countLockRefusals' },
  );
  return ddb;
}

/** Widens the read-modify-write window (a slow GetInlinePolicyForPermissionSet), so concurrent writers overlap. */
function slowPolicyReads(client: SSOAdminClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetInlinePolicyForPermissionSetCommand')
        await new Promise((r) => setTimeout(r, 50));
      return next(args);
    },
    { step: 'initialize', name: 'slowPolicyReads' },
  );
}

function deps(overrides: Partial<IdcDeps> = {}): IdcDeps {
  const ddb = countLockRefusals(motoClients(moto).ddb);
  recordWrites(ddb, 'dynamodb');
  return {
    identitystore,
    ssoAdmin,
    ddb,
    stateTable: TABLE,
    identityStoreId,
    instanceArn,
    protectedPrincipals: ['break-glass-*'],
    dryRun: false,
    now: new Date(),
    timing: { pollMs: 5, lockRetryMs: 10 },
    ...overrides,
  };
}

const seedClients = () => {
  const options = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  return { ids: new IdentitystoreClient(options), sso: new SSOAdminClient(options) };
};

/** The seeding calls (tools/local/identity-center-seed.ts), with clients straight to moto. */
const seed = () => identityCenterSeed({ ...seedClients(), identityStoreId, instanceArn });
async function createIdcUser(userName: string): Promise<string> {
  const userId = await seed().user(userName, `${userName}@example.com`);
  users[userName] = userId;
  return userId;
}
const assign = (
  principalId: string,
  principalType: 'USER' | 'GROUP',
  permissionSetArn: string,
  account: string,
) => seed().assign(principalId, principalType, permissionSetArn, account);
const createPermissionSet = (name: string, policy?: string) => seed().permissionSet(name, policy);

const policyOf = async (arn: string) =>
  (
    await seedClients().sso.send(
      new GetInlinePolicyForPermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
    )
  ).InlinePolicy ?? '';
const assignmentsOf = async (principalId: string, type: 'USER' | 'GROUP' = 'USER') =>
  (
    (
      await seedClients().sso.send(
        new ListAccountAssignmentsForPrincipalCommand({
          InstanceArn: instanceArn,
          PrincipalId: principalId,
          PrincipalType: type,
        }),
      )
    ).AccountAssignments ?? []
  ).map((a) => `${a.AccountId} ${a.PermissionSetArn}`);
const groupsOf = async (userId: string) =>
  (
    (
      await seedClients().ids.send(
        new ListGroupMembershipsForMemberCommand({
          IdentityStoreId: identityStoreId,
          MemberId: { UserId: userId },
        }),
      )
    ).GroupMemberships ?? []
  ).map((m) => m.GroupId);
const itemsOf = async (pk: string) =>
  (
    await motoClients(moto).ddb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    )
  ).Items ?? [];

const departure = (email: string, runId: string) => ({
  trigger: 'departure' as const,
  mode: 'departure' as const,
  target: { email },
  runId,
  reason: 'resigned',
  requestedBy: 'hr:standard',
});

beforeAll(async () => {
  moto = await startMoto({ managedPolicies: false });
  await createStateTable(motoClients(moto).ddb, TABLE);
  const { sso, ids } = seedClients();
  const instance = (await sso.send(new ListInstancesCommand({}))).Instances?.[0];
  instanceArn = instance?.InstanceArn ?? '';
  identityStoreId = instance?.IdentityStoreId ?? '';
  sets.admin = await createPermissionSet('Admin', ADMIN_POLICY);
  sets.readOnly = await createPermissionSet('ReadOnly');
  sets.shared = await createPermissionSet('Shared', ADMIN_POLICY);
  const jane = await createIdcUser('jane');
  await assign(jane, 'USER', sets.admin, ACCOUNT_A);
  engineeringGroup =
    (await ids.send(new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: 'engineering' })))
      .GroupId ?? '';
  await ids.send(
    new CreateGroupMembershipCommand({
      IdentityStoreId: identityStoreId,
      GroupId: engineeringGroup,
      MemberId: { UserId: jane },
    }),
  );
  await assign(engineeringGroup, 'GROUP', sets.readOnly, ACCOUNT_B);
  for (const name of ['carol', 'dave', 'erin', 'break-glass-ops'])
    await assign(await createIdcUser(name), 'USER', sets.shared, ACCOUNT_A);
  identitystore = new IdentitystoreClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  ssoAdmin = new SSOAdminClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  standIn = provisioningStatusStandIn(ssoAdmin, { pollsUntilDone: 2 });
  slowPolicyReads(ssoAdmin);
  recordWrites(identitystore, 'identitystore');
  recordWrites(ssoAdmin, 'sso-admin');
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(() => {
  writes.length = 0;
});

describe('Identity Center revocation (moto)', () => {
  let report: IdcRevocationReport;

  it('revokes a user with a direct assignment and a group with an assignment: deny in every set, then access removed', async () => {
    report = await revokeIdentityCenterUser(departure('jane@example.com', 'standard:msg_jane'), deps());
    const jane = users.jane as string;

    expect(report).toMatchObject({ outcome: 'revoked', user: { userId: jane, userName: 'jane' } });
    expect(report.steps.map((s) => [s.type, s.outcome])).toEqual([
      ['deny-permission-set', 'done'],
      ['deny-permission-set', 'done'],
      ['provision-permission-set', 'done'],
      ['provision-permission-set', 'done'],
      ['delete-account-assignment', 'done'],
      ['delete-group-membership', 'done'],
    ]);
    // Provisioned, and waited for through the stand-in's IN_PROGRESS then SUCCEEDED.
    expect(report.provisioning.map((p) => p.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(standIn.polls).toBeGreaterThanOrEqual(4);
    // moto's state: no assignment, no membership; the group keeps its own assignment for its other members.
    expect(await assignmentsOf(jane)).toEqual([]);
    expect(await groupsOf(jane)).toEqual([]);
    expect(await assignmentsOf(engineeringGroup, 'GROUP')).toEqual([`${ACCOUNT_B} ${sets.readOnly}`]);
    // Every involved permission set holds the statement with the id: the direct one and the group's.
    expect(revokedIdsIn(await policyOf(sets.admin))).toEqual([jane]);
    expect(revokedIdsIn(await policyOf(sets.readOnly))).toEqual([jane]);
    expect(report.manualSteps).toEqual([
      'disable the user in the identity provider (SCIM would re-add group memberships)',
      "in the IAM Identity Center console, delete the user's active sessions/disable the user",
    ]);
    expect(report.sessionOwner).toEqual({ contains: ':assumed-role/AWSReservedSSO_', suffix: '/jane' });
    // The write recorder sees every client's writes (what the dry-run and protection proofs rely on).
    expect(writes).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItemCommand',
        'sso-admin:PutInlinePolicyToPermissionSetCommand',
        'sso-admin:DeleteAccountAssignmentCommand',
        'identitystore:DeleteGroupMembershipCommand',
      ]),
    );
  });

  it("keeps the set's pre-existing inline statement byte for byte", async () => {
    const admin = await policyOf(sets.admin);
    expect(admin).toContain(TEAM_BUCKETS);
    expect(
      admin.startsWith(ADMIN_POLICY.slice(0, ADMIN_POLICY.indexOf(TEAM_BUCKETS) + TEAM_BUCKETS.length)),
    ).toBe(true);
    // Our statement is the only addition: without it, the exact original bytes.
    expect(removeRevokedIds(admin, [users.jane as string])).toBe(ADMIN_POLICY);
  });

  it('saved the snapshot and the revoked id before writing, and completed the record', async () => {
    const jane = users.jane as string;
    const [record] = await itemsOf(`principal#idc-user#${jane}`);
    expect(record).toMatchObject({
      kind: 'idc-revocation',
      runId: 'standard:msg_jane',
      status: 'finished',
      outcome: 'revoked',
      snapshot: {
        assignments: [{ accountId: ACCOUNT_A, permissionSetArn: sets.admin }],
        memberships: [{ groupId: engineeringGroup }],
        groupAssignments: [
          {
            groupId: engineeringGroup,
            assignments: [{ accountId: ACCOUNT_B, permissionSetArn: sets.readOnly }],
          },
        ],
        permissionSets: [
          { permissionSetArn: sets.admin, inlinePolicy: ADMIN_POLICY },
          { permissionSetArn: sets.readOnly, inlinePolicy: null },
        ],
      },
    });
    expect(await itemsOf('idc#revoked-users')).toEqual([
      expect.objectContaining({ sk: jane, userName: 'jane', at: report.at }),
    ]);
    // No lock is left behind.
    expect(await itemsOf('lock#permission-set')).toEqual([]);
  });

  it('lands both ids when two departures revoke different users on one permission set at once', async () => {
    lockRefusals = 0;
    const [carol, dave] = await Promise.all([
      revokeIdentityCenterUser(departure('carol@example.com', 'standard:msg_carol'), deps()),
      revokeIdentityCenterUser(departure('dave@example.com', 'standard:msg_dave'), deps()),
    ]);
    expect([carol.outcome, dave.outcome]).toEqual(['revoked', 'revoked']);
    const shared = await policyOf(sets.shared);
    expect(revokedIdsIn(shared).sort()).toEqual([users.carol, users.dave].sort());
    expect(shared).toContain(TEAM_BUCKETS);
    // They met: one waited for the other's lock (each read of the policy takes 50 ms here).
    expect(lockRefusals).toBeGreaterThan(0);
    expect(await itemsOf('lock#permission-set')).toEqual([]);
  });

  it('plans a dry run in full and writes nothing', async () => {
    const before = await policyOf(sets.shared);
    const planned = await revokeIdentityCenterUser(
      { ...departure('erin@example.com', 'standard:msg_erin'), dryRun: true },
      deps(),
    );

    expect(planned.outcome).toBe('planned');
    expect(planned.steps.map((s) => [s.type, s.outcome])).toEqual([
      ['deny-permission-set', 'planned'],
      ['provision-permission-set', 'planned'],
      ['delete-account-assignment', 'planned'],
    ]);
    expect(planned.manualSteps).toHaveLength(2);
    expect(writes).toEqual([]);
    expect(await policyOf(sets.shared)).toBe(before);
    expect(await assignmentsOf(users.erin as string)).toEqual([`${ACCOUNT_A} ${sets.shared}`]);
    expect(await itemsOf(`principal#idc-user#${users.erin}`)).toEqual([]);
  });

  it('writes nothing for a protected user (PROTECTED_PRINCIPALS glob, without case)', async () => {
    const before = await policyOf(sets.shared);
    const refused = await revokeIdentityCenterUser(
      {
        ...departure('break-glass-ops@example.com', 'standard:msg_bg'),
        target: { email: 'BREAK-GLASS-OPS@example.com', userName: 'break-glass-ops' },
      },
      deps(),
    );
    expect(refused).toMatchObject({
      outcome: 'protected',
      notes: ['protected: matches PROTECTED_PRINCIPALS entry "break-glass-*"'],
    });
    expect(writes).toEqual([]);
    expect(await policyOf(sets.shared)).toBe(before);
    expect(await assignmentsOf(users['break-glass-ops'] as string)).toEqual([`${ACCOUNT_A} ${sets.shared}`]);
    expect(await itemsOf(`principal#idc-user#${users['break-glass-ops']}`)).toEqual([]);
  });

  it('restores assignments, memberships and the inline policies to the snapshot', async () => {
    const jane = users.jane as string;
    const restored = await restoreIdentityCenterUser(
      {
        target: { identityCenterUser: 'jane' },
        runId: 'standard:msg_jane',
        reason: 'rehired',
        requestedBy: 'secops',
      },
      deps(),
    );

    expect(restored).toMatchObject({ outcome: 'restored', undoes: ['standard:msg_jane'], keptInForce: [] });
    expect(restored.steps.map((s) => [s.type, s.outcome])).toEqual([
      ['create-account-assignment', 'done'],
      ['create-group-membership', 'done'],
      ['lift-deny-permission-set', 'done'],
      ['lift-deny-permission-set', 'done'],
      ['provision-permission-set', 'done'],
      ['provision-permission-set', 'done'],
    ]);
    expect(await assignmentsOf(jane)).toEqual([`${ACCOUNT_A} ${sets.admin}`]);
    expect(await groupsOf(jane)).toEqual([engineeringGroup]);
    // The inline policies as the snapshot had them: the original bytes, and none where there was none.
    expect(await policyOf(sets.admin)).toBe(ADMIN_POLICY);
    expect(await policyOf(sets.readOnly)).toBe('');
    // The other departures on the shared set are untouched.
    expect(revokedIdsIn(await policyOf(sets.shared)).sort()).toEqual([users.carol, users.dave].sort());
    expect((await itemsOf('idc#revoked-users')).map((i) => i.sk)).not.toContain(jane);
    expect(await itemsOf(`principal#idc-user#${jane}`)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'idc-restore', undoes: ['standard:msg_jane'], outcome: 'restored' }),
      ]),
    );
  });
});

describe('Identity Center drift (the sweep re-checks revoked users)', () => {
  it('reports, halts, then revokes again a revoked user given access back', async () => {
    const frank = await createIdcUser('frank');
    await assign(frank, 'USER', sets.shared, ACCOUNT_B);
    const revoked = await revokeIdentityCenterUser(
      departure('frank@example.com', 'standard:frank-1'),
      deps(),
    );
    expect(revoked.outcome).toBe('revoked');
    expect(await assignmentsOf(frank)).toEqual([]);
    // Access back behind the product's back (an admin, or a SCIM sync): an assignment and a membership.
    await assign(frank, 'USER', sets.shared, ACCOUNT_A);
    await seedClients().ids.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: identityStoreId,
        GroupId: engineeringGroup,
        MemberId: { UserId: frank },
      }),
    );
    const back = [`${ACCOUNT_A} ${sets.shared}`];

    // Report mode: named, nothing written.
    writes.length = 0;
    const reported = await sweepIdentityCenterDrift(deps(), {
      enforce: false,
      maxDrift: 5,
      sweepRunId: 's1',
    });
    const frankReported = reported.drifted.find((d) => d.userId === frank);
    expect(frankReported).toMatchObject({ action: 'reported', runId: 'standard:frank-1' });
    expect(frankReported?.assignments).toHaveLength(1);
    expect(frankReported?.memberships).toHaveLength(1);
    expect(writes).toEqual([]);
    expect(await assignmentsOf(frank)).toEqual(back);

    // More drifted users than the breaker allows: halted, nothing written.
    const halted = await sweepIdentityCenterDrift(deps(), { enforce: true, maxDrift: 0, sweepRunId: 's2' });
    expect(halted.halted).toBe(true);
    expect(writes).toEqual([]);
    expect(await assignmentsOf(frank)).toEqual(back);

    // Enforce within the breaker: revoked again, access gone, the user's id still denied.
    const enforced = await sweepIdentityCenterDrift(deps(), { enforce: true, maxDrift: 5, sweepRunId: 's3' });
    expect(enforced.drifted.find((d) => d.userId === frank)).toMatchObject({
      action: 're-revoked',
      outcome: 'revoked',
    });
    expect(await assignmentsOf(frank)).toEqual([]);
    expect(await groupsOf(frank)).toEqual([]);
    expect(revokedIdsIn(await policyOf(sets.shared))).toContain(frank);
  });
});
