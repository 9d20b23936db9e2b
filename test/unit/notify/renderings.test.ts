import { cancellationNotification, scheduledNotification } from '../../../src/departures/schedule';
import type { FollowUpReport, TrailEvent } from '../../../src/follow-up/types';
import {
  accountDeadLetterNotification,
  chatMessage,
  chatNotificationSchema,
  coverageNotification,
  EMAIL_WIDTH,
  emailText,
  followUpNotification,
  idcDriftNotification,
  idcRestoreNotification,
  idcRevocationNotification,
  malformedAccountWorkNotification,
  malformedDepartureNotification,
  type Notification,
  renderContext,
  restoreNotification,
  revocationNotification,
  sweepFailureNotification,
  sweepNotification,
} from '../../../src/notify';
import {
  ACCOUNT,
  alice,
  cancellation,
  coverage,
  idcDrift,
  idcRestore,
  idcRevocation,
  MULTILINE_ERROR,
  malformedRecord,
  OTHER,
  partialAlice,
  restore,
  revocation,
  revokedSteps,
  scheduled,
  sweep,
  unreachableCoverage,
} from './fixtures';

/**
 * Every report kind and outcome in its three renderings: the email text, the Amazon Q Developer custom
 * notification (chat, and the `https` part), and the JSON report (`sqs`, `lambda`). The snapshots are the
 * reviewable record of what people read; the properties below hold for every one of them.
 */

/** A follow-up of Jane's departure in the stack's account (src/follow-up), with the given findings. */
const followUp = (over: Partial<FollowUpReport>): FollowUpReport => ({
  kind: 'follow-up',
  runId: 'standard:msg_2Kx9',
  trigger: 'departure',
  at: '2026-11-30T19:15:00.000Z',
  outcome: 'no-activity',
  severity: 'info',
  accounts: [
    {
      accountId: ACCOUNT,
      principals: [`arn:aws:iam::${ACCOUNT}:user/jane`],
      revokedAt: '2026-11-30T18:00:00.000Z',
      denyAt: '2026-11-30T18:00:02.000Z',
      lookups: 4,
    },
  ],
  activity: [],
  denied: [],
  beforeDeny: [],
  keysUsedAfter: [],
  failures: [],
  notes: [],
  ...over,
});
const trailEvent = (errorCode?: string): TrailEvent => ({
  eventId: 'e-1',
  eventName: 'ListBuckets',
  eventSource: 's3.amazonaws.com',
  eventTime: '2026-11-30T18:05:00.000Z',
  accountId: ACCOUNT,
  region: 'us-east-1',
  username: 'jane',
  accessKeyId: 'AKIAJANE000000000001',
  sourceIPAddress: '203.0.113.7',
  ...(errorCode ? { errorCode } : {}),
});

const ctx = renderContext({
  region: 'eu-west-1',
  idcRegion: 'us-east-1',
  projectRolePrefix: 'offboarding-prod-',
});

const CASES: readonly (readonly [string, Notification])[] = [
  ['lockdown revoked', revocationNotification(revocation())],
  [
    'lockdown partial (a multi-line SDK error)',
    revocationNotification(revocation({ outcome: 'partial', principals: [partialAlice] })),
  ],
  [
    'lockdown failed',
    revocationNotification(
      revocation({
        outcome: 'failed',
        principals: [
          alice('failed', [
            {
              id: '01-attach-deny',
              type: 'attach-deny',
              subject: 'arn:aws:iam::aws:policy/AWSDenyAll',
              outcome: 'failed',
              error: MULTILINE_ERROR,
            },
          ]),
        ],
      }),
    ),
  ],
  [
    'lockdown protected',
    revocationNotification(
      revocation({
        outcome: 'protected',
        principals: [
          { ...alice('protected', []), notes: ['protected: break-glass-* (PROTECTED_PRINCIPALS)'] },
        ],
      }),
    ),
  ],
  [
    'lockdown not-found',
    revocationNotification(
      revocation({ outcome: 'not-found', target: { userName: 'nobody' }, principals: [] }),
    ),
  ],
  [
    'lockdown planned (dry run)',
    revocationNotification(
      revocation({
        outcome: 'planned',
        dryRun: true,
        principals: [alice('planned', revokedSteps('planned'))],
      }),
    ),
  ],
  [
    'lockdown of a role in another account',
    revocationNotification(
      revocation({
        accountId: OTHER,
        target: { roleName: 'deployer' },
        principals: [
          {
            principal: { kind: 'role', name: 'deployer', arn: `arn:aws:iam::${OTHER}:role/deployer` },
            outcome: 'revoked',
            steps: [
              {
                id: '01-deny-role-sessions',
                type: 'put-role-session-deny',
                subject: 'sessions issued before 2026-11-29T12:00:00Z',
                outcome: 'done',
              },
            ],
            sessions: [{ sessionId: 'deployer-0a1b', region: 'eu-west-1', owner: 'x', target: 'i-0bastion' }],
            notes: [],
          },
        ],
      }),
    ),
  ],
  [
    'departure revoked with Identity Center',
    revocationNotification({
      ...revocation({
        runId: 'standard:msg_2Kx9',
        trigger: 'departure',
        mode: 'departure',
        target: { email: 'jane@example.com', employeeId: 'E123' },
        reason: 'employee.departed',
        requestedBy: 'hr-webhook/standard',
        caller: undefined,
        principals: [
          {
            ...alice('revoked', revokedSteps('done')),
            principal: { kind: 'user', name: 'jane', arn: `arn:aws:iam::${ACCOUNT}:user/jane` },
          },
        ],
      }),
      identityCenter: idcRevocation(),
    }),
  ],
  [
    'departure not-found',
    revocationNotification(
      revocation({
        trigger: 'departure',
        mode: 'departure',
        outcome: 'not-found',
        target: { email: 'ghost@example.com' },
        principals: [],
        caller: undefined,
      }),
    ),
  ],
  [
    'sweep re-revocation (drift)',
    revocationNotification(revocation({ trigger: 'sweep', mode: 'departure', caller: undefined })),
  ],
  ['restore restored (a lockdown)', restoreNotification(restore())],
  [
    'restore restored (a departure)',
    restoreNotification(restore({ restored: { trigger: 'departure', mode: 'departure' } })),
  ],
  [
    'restore partial',
    restoreNotification(
      restore({
        outcome: 'partial',
        steps: [
          {
            id: '01-undo-deactivate-access-key',
            type: 'deactivate-access-key',
            subject: 'AKIAIOSFODNN7EXAMPLE',
            outcome: 'failed',
            error: MULTILINE_ERROR,
          },
        ],
        keptInForce: ['AKIAI44QH8DHBEXAMPLE: also held by the unrestored departure run standard:msg_2Kx9'],
        notRestored: ['the console password deleted by the lockdown'],
      }),
    ),
  ],
  [
    'restore failed',
    restoreNotification(restore({ outcome: 'failed', verification: { ok: false, checks: [] } })),
  ],
  ['restore planned', restoreNotification(restore({ outcome: 'planned' }))],
  [
    'Identity Center lockdown revoked',
    idcRevocationNotification(
      idcRevocation({
        trigger: 'lockdown',
        mode: 'lockdown',
        target: { identityCenterUser: 'jane@example.com' },
      }),
    ),
  ],
  [
    'Identity Center lockdown partial with a step by hand',
    idcRevocationNotification(
      idcRevocation({
        trigger: 'lockdown',
        mode: 'lockdown',
        outcome: 'partial',
        provisioning: [
          {
            permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-72230b4e1a7f0c3d/ps-0123456789abcdef',
            status: 'FAILED',
            failureReason: 'Provisioning failed in\n 210987654321',
          },
        ],
        manualSteps: ['end the console sessions of jane@example.com in the Identity Center console'],
      }),
    ),
  ],
  [
    'Identity Center lockdown planned',
    idcRevocationNotification(
      idcRevocation({ trigger: 'lockdown', mode: 'lockdown', outcome: 'planned', dryRun: true }),
    ),
  ],
  ['Identity Center restore restored', idcRestoreNotification(idcRestore())],
  [
    'Identity Center restore of a departure',
    idcRestoreNotification(idcRestore({ restored: { trigger: 'departure', mode: 'departure' } })),
  ],
  [
    'Identity Center drift enforced',
    idcDriftNotification(idcDrift(), 'sweep-7c1d', '2026-11-29T06:00:00.000Z'),
  ],
  [
    'Identity Center drift reported',
    idcDriftNotification(
      idcDrift({
        drifted: idcDrift().drifted.map((d) => ({ ...d, action: 'reported', outcome: undefined })),
      }),
      'sweep-7c1d',
      '2026-11-29T06:00:00.000Z',
    ),
  ],
  [
    'Identity Center drift halted',
    idcDriftNotification(
      idcDrift({
        halted: true,
        drifted: idcDrift().drifted.map((d) => ({ ...d, action: 'halted', outcome: undefined })),
      }),
      'sweep-7c1d',
      '2026-11-29T06:00:00.000Z',
    ),
  ],
  ['coverage complete', coverageNotification(coverage())],
  ['coverage partial (an account unreachable)', coverageNotification(unreachableCoverage())],
  [
    'coverage not-found',
    coverageNotification(
      coverage({
        outcome: 'not-found',
        targets: [ACCOUNT, OTHER],
        accounts: coverage()
          .accounts.filter((a) => a.accountId !== 'identity-center')
          .map((a) => ({ ...a, outcome: 'not-found', principals: [] })),
      }),
    ),
  ],
  [
    'account dead-letter',
    accountDeadLetterNotification({
      id: `standard:msg_2Kx9@${OTHER}`,
      kind: 'departure',
      accountId: OTHER,
      attempts: 3,
      why: 'AccessDenied: not authorized to perform\nsts:AssumeRole',
    }),
  ],
  [
    'malformed departure',
    malformedDepartureNotification(malformedRecord, new Error('person: must name\nan email')),
  ],
  ['malformed account work item', malformedAccountWorkNotification('8d1f-message', 'kind: invalid value')],
  ['sweep enforced', sweepNotification(sweep())],
  [
    'sweep reported',
    sweepNotification(
      sweep({
        mode: 'report',
        outcome: 'reported',
        keys: sweep().keys.map((k) => ({ ...k, action: k.action === 'deactivated' ? 'reported' : k.action })),
      }),
    ),
  ],
  [
    'sweep halted',
    sweepNotification(
      sweep({
        outcome: 'halted',
        severity: 'high',
        haltReason: '30 keys would be deactivated, more than SWEEP_MAX_ACTIONS=25',
        keys: sweep().keys.map((k) => ({ ...k, action: k.action === 'deactivated' ? 'halted' : k.action })),
      }),
    ),
  ],
  [
    'sweep partial in another account, with drift',
    sweepNotification(
      sweep({
        accountId: OTHER,
        outcome: 'partial',
        severity: 'high',
        keys: sweep().keys.map((k) =>
          k.action === 'deactivated' ? { ...k, action: 'failed', detail: MULTILINE_ERROR } : k,
        ),
        drift: [
          {
            user: 'jane',
            arn: `arn:aws:iam::${OTHER}:user/jane`,
            owner: { email: 'jane@example.com' },
            findings: ['access key AKIAJANE0000EXAMPLE is Active again'],
            action: 're-revoked',
            outcome: 'revoked',
            runId: 'sweep-7c1d-jane',
          },
        ],
      }),
    ),
  ],
  [
    'sweep failure',
    sweepFailureNotification({
      runId: 'sweep-7c1d',
      mode: 'enforce',
      dryRun: false,
      at: '2026-11-29T06:00:00.000Z',
      error: 'ReportNotReady: the credential report\nwas not ready after 5 attempts',
    }),
  ],
  ['scheduled departure', scheduledNotification(scheduled())],
  [
    'scheduled departure planned (dry run)',
    scheduledNotification(scheduled({ outcome: 'planned', dryRun: true })),
  ],
  [
    'scheduled departure redelivered after a cancellation',
    scheduledNotification(scheduled({ outcome: 'cancelled' })),
  ],
  ['scheduled departure redelivered after it fired', scheduledNotification(scheduled({ outcome: 'fired' }))],
  ['cancellation cancelled', cancellationNotification(cancellation())],
  [
    'cancellation too late',
    cancellationNotification(
      cancellation({
        outcome: 'too-late',
        cancelled: [],
        tooLate: [{ runId: 'standard:msg_2Kx9', effectiveAt: '2026-11-28T17:00:00.000Z' }],
      }),
    ),
  ],
  [
    'cancellation planned (dry run)',
    cancellationNotification(cancellation({ outcome: 'planned', dryRun: true })),
  ],
  [
    'follow-up activity after revocation',
    followUpNotification(
      followUp({
        outcome: 'activity-after-revocation',
        severity: 'high',
        activity: [trailEvent()],
        denied: [trailEvent('AccessDenied')],
        keysUsedAfter: [
          {
            accountId: ACCOUNT,
            accessKeyId: 'AKIAJANE000000000001',
            lastUsedDate: '2026-11-30T18:05:00.000Z',
            serviceName: 's3',
            region: 'us-east-1',
          },
        ],
      }),
    ),
  ],
  [
    'follow-up denied attempts',
    followUpNotification(followUp({ outcome: 'denied-attempts', denied: [trailEvent('AccessDenied')] })),
  ],
  [
    'follow-up incomplete (a multi-line lookup error)',
    followUpNotification(
      followUp({
        outcome: 'incomplete',
        severity: 'high',
        failures: [
          { accountId: OTHER, region: 'us-east-1', lookup: 'Username jane', error: MULTILINE_ERROR },
        ],
      }),
    ),
  ],
];

describe('Renderings: every report kind and outcome', () => {
  describe.each(CASES)('%s', (_name, n) => {
    const email = emailText(n, ctx);
    const chat = chatMessage(n, ctx);

    it('renders the email, the chat message and the JSON report as snapshotted', () => {
      expect({ subject: n.subject, attributes: n.attributes }).toMatchSnapshot('subject and attributes');
      expect(email).toMatchSnapshot('email');
      expect(chat).toMatchSnapshot('chat');
      expect(JSON.parse(JSON.stringify(n.json))).toMatchSnapshot('json');
    });

    it('is a valid Amazon Q Developer custom notification', () => {
      const parsed = chatNotificationSchema.safeParse(JSON.parse(JSON.stringify(chat)));
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(chat.content.title).toContain(n.headline);
      expect(chat.metadata?.eventType).toBe(n.kind);
    });

    it('has a subject that reads as a sentence: printable ASCII, under 100 characters, no "restore restored"', () => {
      expect(n.subject).toMatch(/^\[offboarding\] [A-Z][\x20-\x7e]+$/);
      expect(n.subject.length).toBeLessThan(100);
      expect(n.subject.toLowerCase()).not.toMatch(/\b(\w+) \1d?\b/);
    });

    it('writes the email in one column: no line over the width but a link, no aligned columns', () => {
      const lines = email.split('\n');
      expect(lines.filter((l) => l.length > EMAIL_WIDTH && !/^\s*https:\/\/\S+$/.test(l))).toEqual([]);
      expect(lines.filter((l) => l.length > 150)).toEqual([]);
      // Space-aligned tables pad cells with runs of spaces between words.
      expect(lines.filter((l) => /\S {2,}\S/.test(l))).toEqual([]);
    });

    it('names the run and the region in the email', () => {
      if (n.runId) expect(email).toContain(`run: ${n.runId}`);
      expect(email).toContain('region: eu-west-1');
      if (n.accountId) expect(email).toContain(`account: ${n.accountId}`);
    });
  });

  it('collapses a multi-line SDK error to one item (wrapped, never split by its own newlines)', () => {
    const email = emailText(CASES[1]?.[1] as Notification, ctx);
    const lines = email.split('\n');
    const start = lines.findIndex((l) => l.startsWith('- 02-deactivate-access-key'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('  '));
    const item = lines.slice(start, end).join('\n');
    expect(start).toBeGreaterThan(0);
    expect(item.replace(/\n {2}/g, ' ')).toContain(
      'failed: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/offboarding-prod-lockdown/x is not authorized to perform: iam:UpdateAccessKey on resource: user alice because no identity-based policy allows the iam:UpdateAccessKey action',
    );
    expect(item.split('\n').length).toBeGreaterThan(1);
  });

  it('gives the exact restore command of a lockdown: the restore function, the run id, a valid JSON body', () => {
    const email = emailText(CASES[0]?.[1] as Notification, ctx);
    const at = email.indexOf('aws lambda invoke');
    expect(email.slice(at)).toMatch(
      /^aws lambda invoke --function-name offboarding-prod-restore --region eu-west-1/,
    );
    const payload = /--payload '([^']+)'/s.exec(email)?.[1] ?? '';
    expect(JSON.parse(payload)).toEqual({
      target: { userName: 'alice' },
      runId: '5f0c7a7e-2b1d-4c55-9e0e-8d1f1b2c3d4e',
      reason: '<why access comes back>',
      requestedBy: '<your name>',
    });
    const chat = chatMessage(CASES[0]?.[1] as Notification, ctx);
    const step = chat.content.nextSteps?.find((s) => s.includes('aws lambda invoke')) ?? '';
    expect(JSON.parse(/--payload '([^']+)'/.exec(step)?.[1] ?? '')).toEqual(JSON.parse(payload));
  });

  it('names the account in the restore of a principal of another account', () => {
    const email = emailText(CASES[6]?.[1] as Notification, ctx);
    const payload = /--payload '([^']+)'/s.exec(email)?.[1] ?? '';
    expect(JSON.parse(payload)).toMatchObject({ target: { roleName: 'deployer' }, accountId: OTHER });
  });

  it('links the IAM console and the CloudTrail event history of each principal', () => {
    const email = emailText(CASES[0]?.[1] as Notification, ctx);
    expect(email).toContain(
      'https://eu-west-1.console.aws.amazon.com/iam/home?region=eu-west-1#/users/details/alice',
    );
    expect(email).toContain(
      'https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events?Username=alice',
    );
  });

  it('keeps a chat description within bounds for a report with hundreds of principals, saying what it left out', () => {
    const many = revocation({
      outcome: 'partial',
      principals: Array.from({ length: 400 }, (_, i) => ({
        ...partialAlice,
        principal: {
          kind: 'user' as const,
          name: `user-${i}`,
          arn: `arn:aws:iam::${ACCOUNT}:user/user-${i}`,
        },
      })),
    });
    const chat = chatMessage(revocationNotification(many), ctx);
    expect(chatNotificationSchema.safeParse(chat).success).toBe(true);
    expect(chat.content.description).toMatch(/more in the email and the JSON report/);
  });
});

describe('Schema: chatNotificationSchema', () => {
  const valid = chatMessage(CASES[0]?.[1] as Notification, ctx);

  it.each([
    ['a version other than 1.0', { ...valid, version: '2.0' }],
    ['a source other than custom', { ...valid, source: 'aws.iam' }],
    ['no description', { ...valid, content: { ...valid.content, description: undefined } }],
    ['a title over 250 characters', { ...valid, content: { ...valid.content, title: 'x'.repeat(251) } }],
    ['an unknown content field', { ...valid, content: { ...valid.content, body: 'x' } }],
    ['a textType other than client-markdown', { ...valid, content: { ...valid.content, textType: 'plain' } }],
  ])('refuses %s', (_what, message) => {
    expect(chatNotificationSchema.safeParse(message).success).toBe(false);
  });
});
