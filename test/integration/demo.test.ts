/**
 * `npm run demo` end to end: the demo runs as a child process (`tsx scripts/demo.ts --json`) against its own
 * moto_server, and this test asserts on what it reports it saw on the emulator, flow by flow; then that it
 * left nothing running, and that without moto it fails with the one-line install hint.
 */
import { execFile, spawn } from 'node:child_process';
import { delimiter, dirname, join, resolve } from 'node:path';
import { renderDeparture } from '../../tools/demo/render';
import type { DemoResult } from '../../tools/demo/types';
import { findMotoServer, MOTO_INSTALL_HINT } from '../../tools/local/moto';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const HOME = '123456789012';
const MEMBER = '210987654321';
const JANE_EMAIL = 'jane.doe@example.com';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the demo as `npm run demo` would (tsx), with `env` replacing the environment. */
function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [TSX, 'scripts/demo.ts', ...args],
      { cwd: ROOT, env, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

const keysOf = (result: DemoResult, userName: string, accountId = HOME) =>
  result.seed.users.find((u) => u.userName === userName && u.accountId === accountId)?.keys ?? [];

describe('Script: npm run demo --json (moto, IAM enforcement on)', () => {
  let run: Run;
  let result: DemoResult;

  beforeAll(async () => {
    // A user's AWS settings must not leak in: an unknown profile and a dead IAM endpoint would break the run.
    run = await runDemo(['--json'], {
      ...process.env,
      AWS_PROFILE: 'demo-must-not-read-this-profile',
      AWS_ENDPOINT_URL_IAM: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIAUSERSOWNKEY00000',
    });
    result = JSON.parse(run.stdout) as DemoResult;
  }, 90_000);

  it("exits 0 in under 60 s with every proof passed, whatever the user's AWS environment says", () => {
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(60_000);
    expect(result.ok).toBe(true);
    expect(result.proofs.filter((p) => !p.ok)).toEqual([]);
    expect(result.proofs.length).toBeGreaterThanOrEqual(25);
  });

  it("flow 1: Jane's keys work in both accounts; the signed webhook goes through receiver and revocation worker", () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    expect(f.person.users).toEqual({ [HOME]: ['jane.doe', 'jane.doe-admin'], [MEMBER]: ['jane.doe'] });
    expect(keysOf(result, 'jane.doe', MEMBER)).toHaveLength(1);
    const before = f.probes.filter((p) => p.when === 'before');
    expect(before.map((p) => [p.accountId, p.userName, p.probe.allowed])).toEqual([
      [HOME, 'jane.doe', true],
      [HOME, 'jane.doe-admin', true],
      [MEMBER, 'jane.doe', true],
    ]);
    expect(f.forged.status).toBe(401);
    expect(f.webhook.status).toBe(202);
    expect(f.delivery).toMatchObject({ received: 1, batchItemFailures: [], departureIds: [f.runId] });
  });

  it('flow 1: the departure fans out to one work item per account, both handled by the account worker', () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    expect(result.seed.settings.TARGET_ACCOUNTS).toBe(`${HOME},${MEMBER}`);
    expect(f.fanOut).toMatchObject({
      targets: [HOME, MEMBER],
      received: 2,
      batchItemFailures: [],
      leftOnQueue: 0,
      leftOnDlq: 0,
    });
    expect([...f.fanOut.items].sort((a, b) => a.accountId.localeCompare(b.accountId))).toEqual([
      { id: `${f.runId}@${HOME}`, kind: 'departure', accountId: HOME },
      { id: `${f.runId}@${MEMBER}`, kind: 'departure', accountId: MEMBER },
    ]);
  });

  it("flow 1: each account's users are revoked there (records, IAM read in each account) and her keys refused", () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    const byAccount = Object.fromEntries(f.accounts.map((a) => [a.accountId, a]));
    expect(Object.keys(byAccount).sort()).toEqual([HOME, MEMBER]);
    expect(byAccount[HOME]).toMatchObject({ home: true, outcome: 'revoked' });
    expect(byAccount[MEMBER]).toMatchObject({
      home: false,
      outcome: 'revoked',
      reachedAs: expect.stringMatching(/^assumed-role\/offboarding-member\//),
    });
    for (const a of f.accounts) {
      expect(a.records.map((r) => [r.userName, r.arn, r.outcome])).toEqual(
        a.users.map((u) => [u, `arn:aws:iam::${a.accountId}:user/${u}`, 'revoked']),
      );
      expect(a.state.map((s) => s.userName)).toEqual([...a.users]);
      for (const s of a.state) {
        expect(s.attachedPolicies).toContain(DENY);
        expect(Object.keys(s.keys).length).toBeGreaterThan(0);
        expect(Object.values(s.keys).every((v) => v === 'Inactive')).toBe(true);
        expect(s.tags).toMatchObject({ 'offboarding:state': 'revoked', 'offboarding:run': f.runId });
      }
    }
    const stepsOf = (account: string, user: string) =>
      Object.fromEntries(
        (byAccount[account]?.records.find((r) => r.userName === user)?.steps ?? []).map((s) => [
          s.type,
          s.outcome,
        ]),
      );
    expect(stepsOf(HOME, 'jane.doe')).toMatchObject({
      'attach-deny': 'done',
      'deactivate-access-key': 'done',
      'delete-login-profile': 'done',
      'deactivate-mfa': 'done',
      'deactivate-ssh-key': 'done',
      'terminate-sessions': 'done',
    });
    expect(stepsOf(MEMBER, 'jane.doe')).toMatchObject({
      'attach-deny': 'done',
      'deactivate-access-key': 'done',
      'terminate-sessions': 'done',
    });
    const after = f.probes.filter((p) => p.when === 'after');
    expect(after.map((p) => [p.accountId, p.userName, p.probe.allowed, p.probe.errorCode])).toEqual([
      [HOME, 'jane.doe', false, 'AccessDenied'],
      [HOME, 'jane.doe-admin', false, 'AccessDenied'],
      [MEMBER, 'jane.doe', false, 'AccessDenied'],
    ]);
    const memberKey = after.find((p) => p.accountId === MEMBER);
    expect(memberKey?.accessKeyId).toBe(keysOf(result, 'jane.doe', MEMBER)[0]);
    expect(memberKey?.probe.errorMessage).toContain(
      `arn:aws:iam::${MEMBER}:user/jane.doe is not authorized to perform: iam:ListUsers`,
    );
    expect(
      f.sessionsAfter.map((s) => [s.owner.split(':')[4], s.owner.split(/[:/]/).pop(), s.status]),
    ).toEqual([
      [HOME, 'jane.doe', 'Terminated'],
      [HOME, 'jane.doe@example.com', 'Terminated'],
      [HOME, 'sam.lee', 'Connected'],
      [MEMBER, 'jane.doe', 'Terminated'],
    ]);
  });

  it("flow 1: her key's ssm:StartSession gets AccessDenied after the departure, and the narration says why moto can tell", () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    expect(f.startSession.target).toBe('i-0a1b2c3d4e5f6a7b8');
    // Before: IAM lets it through, and moto, which has no Session Manager, fails the action itself.
    expect(f.startSession.before).toMatchObject({ refused: false, status: 500, answer: 'not implemented' });
    expect(f.startSession.after).toMatchObject({ refused: true, status: 403, answer: 'AccessDenied' });
    expect(f.startSession.after.line).toContain(
      `arn:aws:iam::${HOME}:user/jane.doe is not authorized to perform: ssm:StartSession`,
    );
    const screen = renderDeparture(f, result.seed.identityCenter);
    expect(screen).toContain(`  after:  ${f.startSession.after.line}`);
    expect(screen).toContain(`gets moto's "not implemented" (500), a denied one AccessDenied (403)`);
    expect(f.proofs.find((p) => p.claim.startsWith('her key cannot open a new SSM session'))?.ok).toBe(true);
  });

  it('flow 1: one completion notification, "revoked across 2 accounts and Identity Center"', () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    expect(f.completion.count).toBe(1);
    expect(f.completion.subject).toContain(': revoked across 2 accounts and Identity Center');
    expect(f.completion.coverage).toMatchObject({
      kind: 'departure-coverage',
      runId: f.runId,
      complete: true,
      outcome: 'revoked',
      targets: [HOME, MEMBER, 'identity-center'],
      unreachable: [],
    });
    const accounts = [...(f.completion.coverage?.accounts ?? [])].sort((a, b) =>
      a.accountId.localeCompare(b.accountId),
    );
    expect(
      accounts.map((a) => [a.accountId, a.outcome, a.principals.map((p) => p.principal.name).sort()]),
    ).toEqual([
      [HOME, 'revoked', ['jane.doe', 'jane.doe-admin']],
      [MEMBER, 'revoked', ['jane.doe']],
      ['identity-center', 'revoked', [JANE_EMAIL]],
    ]);
  });

  it('flow 1: her Identity Center user is revoked too: her id denied in each permission set, her access removed', () => {
    const f = result.flows.departure;
    if (!f) throw new Error('no departure flow in the result');
    const idc = result.seed.identityCenter;
    expect(result.seed.settings).toMatchObject({
      IDENTITY_STORE_ID: idc.identityStoreId,
      SSO_INSTANCE_ARN: idc.instanceArn,
    });
    const jane = idc.users.find((u) => u.userName === JANE_EMAIL);
    if (!jane) throw new Error('no Identity Center user for Jane in the seed');
    expect(f.identityCenter.user).toEqual({ userName: JANE_EMAIL, userId: jane.userId });
    // Before: PlatformAdmin directly in the home account, Developer through engineering in the member account.
    expect(idc.permissionSets.map((p) => [p.name, p.accountId, p.via])).toEqual([
      ['PlatformAdmin', HOME, 'direct'],
      ['Developer', MEMBER, 'group engineering'],
    ]);
    expect(f.identityCenter.before).toEqual({
      direct: [`${HOME} PlatformAdmin`],
      groups: ['engineering'],
      groupAssignments: [`${MEMBER} Developer`],
      groupMembers: [JANE_EMAIL, 'sam.lee@example.com'],
    });
    // After, read back from moto: nothing of hers left; the group keeps its assignment for Sam.
    expect(f.identityCenter.after).toEqual({
      direct: [],
      groups: [],
      groupAssignments: [`${MEMBER} Developer`],
      groupMembers: ['sam.lee@example.com'],
    });
    // Every permission set she could use holds the managed statement with her id; PlatformAdmin's own
    // statement keeps its bytes, and the set that had no inline policy now has just the managed statement.
    for (const p of f.identityCenter.permissionSets) {
      expect(p.revokedIds).toEqual([jane.userId]);
      expect(p.keptBefore).toBe(true);
      const statements = (JSON.parse(p.inlinePolicy) as { Statement: { Sid: string }[] }).Statement;
      expect(statements.map((st) => st.Sid)).toEqual(
        p.name === 'PlatformAdmin' ? ['TeamBuckets', 'OffboardingRevokedUsers'] : ['OffboardingRevokedUsers'],
      );
    }
    const admin = idc.permissionSets.find((p) => p.name === 'PlatformAdmin');
    const adminNow = f.identityCenter.permissionSets.find((p) => p.name === 'PlatformAdmin');
    const beforeStatements = admin?.inlinePolicy.slice(
      0,
      admin.inlinePolicy.lastIndexOf('}', admin.inlinePolicy.lastIndexOf(']')) + 1,
    );
    expect(beforeStatements).toContain('"Sid": "TeamBuckets"');
    expect(adminNow?.inlinePolicy.startsWith(beforeStatements ?? '?')).toBe(true);
    // The run's record: deny first, provisioned (waited for through the simulated status), then access removed.
    expect(f.identityCenter.record.outcome).toBe('revoked');
    expect(f.identityCenter.record.steps.map((s) => [s.type, s.outcome])).toEqual([
      ['deny-permission-set', 'done'],
      ['deny-permission-set', 'done'],
      ['provision-permission-set', 'done'],
      ['provision-permission-set', 'done'],
      ['delete-account-assignment', 'done'],
      ['delete-group-membership', 'done'],
    ]);
    expect(
      f.identityCenter.provisioning.map((p) => [p.permissionSetArn, p.motoStatus, p.polls > 0]).sort(),
    ).toEqual(idc.permissionSets.map((p) => [p.arn, 'SUCCEEDED', true]).sort());
    // The manual steps no API can do, in the completion notification's Identity Center entry.
    expect(f.identityCenter.completion?.notes).toEqual(
      expect.arrayContaining([
        'to do by hand: disable the user in the identity provider (SCIM would re-add group memberships)',
        "to do by hand: in the IAM Identity Center console, delete the user's active sessions/disable the user",
      ]),
    );
  });

  it("flow 2: report mode changes nothing; enforce deactivates exactly Sam's old key, never the protected user's", () => {
    const f = result.flows.sweep;
    if (!f) throw new Error('no sweep flow in the result');
    const [oldKey, newKey] = keysOf(result, 'sam.lee');
    if (!oldKey || !newKey) throw new Error('the seed has no two keys for sam.lee');
    expect(f.offsetDays).toBeGreaterThanOrEqual(89);
    expect(f.report.outcome).toBe('reported');
    for (const u of f.afterReport) expect(Object.values(u.keys).every((v) => v === 'Active')).toBe(true);
    // Report mode re-reads no key: keys are named by credential report slot (slot 1 is the older key).
    expect(f.report.keys.map((k) => [k.slot, k.class, k.action])).toEqual([
      [1, 'expired', 'reported'],
      [2, 'due', 'warned'],
    ]);
    expect(f.enforce.outcome).toBe('enforced');
    expect(f.enforce.keys.map((k) => [k.accessKeyId, k.action])).toEqual([
      [oldKey, 'deactivated'],
      [newKey, 'warned'],
    ]);
    const byUser = Object.fromEntries(f.afterEnforce.map((u) => [u.userName, u]));
    expect(byUser['sam.lee']?.keys).toEqual({ [oldKey]: 'Inactive', [newKey]: 'Active' });
    const breakGlass = keysOf(result, 'break-glass');
    expect(breakGlass).toHaveLength(1);
    expect(byUser['break-glass']?.keys).toEqual({ [breakGlass[0] as string]: 'Active' });
    expect(byUser['break-glass']?.attachedPolicies).toEqual([]);
    expect(f.enforce.keys.map((k) => k.user)).not.toContain('break-glass');
    expect(f.enforce.counts.protected).toBeGreaterThanOrEqual(1);
    expect(byUser['ci-deploy']?.keys).toEqual({ [keysOf(result, 'ci-deploy')[0] as string]: 'Active' });
    expect(f.enforce.drift).toEqual([]);
  });

  it('flow 3: lockdown by access key id denies the key, restore makes the same key work again', () => {
    const f = result.flows.incident;
    if (!f) throw new Error('no incident flow in the result');
    expect(f.accessKeyId).toBe(keysOf(result, 'ci-deploy')[0]);
    expect(f.probes.map((p) => [p.when, p.probe.allowed, p.probe.errorCode])).toEqual([
      ['before lockdown', true, undefined],
      ['after lockdown', false, 'AccessDenied'],
      ['after restore', true, undefined],
    ]);
    expect(f.lockdown.outcome).toBe('revoked');
    expect(f.lockdown.principals[0]?.principal.name).toBe('ci-deploy');
    expect(f.afterLockdown.keys[f.accessKeyId]).toBe('Inactive');
    expect(f.afterLockdown.attachedPolicies).toContain(DENY);
    expect(f.restore.outcome).toBe('restored');
    expect(f.restore.undoes).toEqual([f.lockdown.runId]);
    expect(f.afterRestore.keys[f.accessKeyId]).toBe('Active');
    expect(f.afterRestore.attachedPolicies).not.toContain(DENY);
  });

  it('flow 4: the subscriber received one notification per run, with its attributes', () => {
    const f = result.flows.notifications;
    const runs = [
      result.flows.departure?.runId,
      result.flows.sweep?.report.runId,
      result.flows.sweep?.enforce.runId,
      result.flows.incident?.lockdown.runId,
      result.flows.incident?.restore.runId,
    ];
    expect(f?.received.map((n) => [n.runId, n.trigger, n.outcome])).toEqual([
      [runs[0], 'departure', 'revoked'],
      [runs[1], 'sweep', 'reported'],
      [runs[2], 'sweep', 'enforced'],
      [runs[3], 'lockdown', 'revoked'],
      [runs[4], 'restore', 'restored'],
    ]);
  });

  it('flow 5: a departure effective in 3 days is scheduled (no IAM write), fired by the stand-in and revoked', () => {
    const f = result.flows.time;
    if (!f) throw new Error('no time flow in the result');
    expect(f.accepted).toBe(202);
    expect(f.scheduled?.expression).toBe(`at(${f.effectiveAt.slice(0, 19)})`);
    expect(Date.parse(f.effectiveAt) - Date.parse(result.startedAt)).toBeGreaterThan(
      3 * 24 * 3600_000 - 120_000,
    );
    expect(f.scheduled?.target).toMatch(/^arn:aws:sqs:us-east-1:123456789012:/);
    expect(f.scheduled?.actionAfterCompletion).toBe('DELETE');
    expect(f.scheduledNotification).toEqual({ outcome: 'scheduled', severity: 'info' });
    expect(Object.values(f.beforeFire.keys)).toEqual(['Active']);
    expect(f.beforeFire.attachedPolicies).not.toContain(DENY);
    expect(Object.values(f.afterFire.keys)).toEqual(['Inactive']);
    expect(f.afterFire.attachedPolicies).toContain(DENY);
  });

  it('flow 5: the revocation scheduled its follow-ups (moto), and the follow-up with a successful call after the deny alerts high', () => {
    const f = result.flows.time;
    if (!f) throw new Error('no time flow in the result');
    expect(f.followUps.map((s) => [s.name.replace(/[0-9a-f]{40}/, '<hash>'), s.input])).toEqual([
      ['follow-up-<hash>-15', JSON.stringify({ runId: f.departureId })],
      ['follow-up-<hash>-60', JSON.stringify({ runId: f.departureId })],
    ]);
    expect(f.followUp?.outcome).toBe('activity-after-revocation');
    expect(f.followUp?.activity.map((e) => [e.username, e.eventName])).toEqual([['max.keller', 'GetObject']]);
    expect(f.alert).toMatchObject({ severity: 'high', outcome: 'activity-after-revocation' });
    expect(f.standIns.join('\n')).toMatch(/never fires/);
    expect(f.standIns.join('\n')).toMatch(/LookupEvents: moto has none/);
  });

  it('leaves nothing running: the emulator it used no longer answers', async () => {
    await expect(fetch(`${result.seed.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('says plainly that SSM sessions and the Identity Center provisioning status are simulated', () => {
    expect(result.seed.simulated.join('\n')).toMatch(/SSM Session Manager sessions/);
    expect(result.seed.simulated.join('\n')).toMatch(/Identity Center provisioning status/);
  });
});

describe('Script: npm run demo interrupted', () => {
  it('stops the emulator and exits 130 on SIGINT', async () => {
    // One process, the demo itself (tsx as a loader), so the signal reaches the demo's own handler. Through the
    // tsx CLI a signal sent to the CLI's pid alone is relayed to the script, which is SIGKILLed if it does not
    // acknowledge within 30 ms (a busy machine): its emulator is then left behind. A terminal's Ctrl-C signals
    // every process of the job (tsx, the demo and moto) instead.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    let stdout = '';
    try {
      const endpoint = await new Promise<string>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const m = /moto_server at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1]) done(m[1]);
        });
        child.once('exit', () => fail(new Error(`the demo ended before its setup: ${stdout}`)));
      });
      // The emulator answers while the demo runs (any HTTP status: IAM enforcement may be on already). Its
      // dashboard page, not data.json: serialising every account's state (AWS managed policies included)
      // takes seconds, long enough for the demo to end first.
      expect((await fetch(`${endpoint}/moto-api/`)).status).toBeGreaterThan(0);

      child.kill('SIGINT');

      expect(await exited).toBe(130);
      await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
    } finally {
      // Whatever failed above, leave no demo (and so no emulator) behind.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        await exited;
      }
    }
  }, 60_000);
});

describe('Script: npm run demo without moto', () => {
  const motoDir = dirname(findMotoServer() ?? '/nonexistent/moto_server');
  const withoutMoto = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && resolve(d) !== resolve(motoDir))
    .join(delimiter);

  it.each([
    ['moto_server absent from PATH', { PATH: withoutMoto, MOTO_SERVER_BIN: undefined }],
    ['MOTO_SERVER_BIN naming a missing file', { MOTO_SERVER_BIN: join(ROOT, '.tmp', 'no-such-moto_server') }],
  ])(
    'exits non-zero with the one-line install hint when %s',
    async (_case, overrides) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...overrides };
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete env[k];

      const r = await runDemo([], env);

      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull();
      expect(r.stderr).toBe(`${MOTO_INSTALL_HINT}\n`);
      expect(r.stdout).toBe('');
    },
    60_000,
  );
});
