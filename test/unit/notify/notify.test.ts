import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { RestoreReport, RevocationReport } from '../../../src/engine/types';
import {
  publish,
  restoreNotification,
  revocationNotification,
  safeSubject,
  table,
} from '../../../src/notify';

const sns = mockClient(SNSClient);

const report = (overrides: Partial<RevocationReport> = {}): RevocationReport => ({
  kind: 'revocation',
  runId: 'run-1',
  trigger: 'departure',
  mode: 'departure',
  dryRun: false,
  target: { email: 'jane@example.com' },
  reason: 'employee.departed',
  requestedBy: 'hr:standard',
  at: '2026-11-29T12:00:00.000Z',
  finishedAt: '2026-11-29T12:00:01.000Z',
  outcome: 'partial',
  principals: [
    {
      principal: { kind: 'user', name: 'jane', arn: 'arn:aws:iam::123456789012:user/jane' },
      outcome: 'partial',
      steps: [
        {
          id: '01-attach-deny',
          type: 'attach-deny',
          subject: 'arn:aws:iam::aws:policy/AWSDenyAll',
          outcome: 'done',
        },
        {
          id: '02-terminate-sessions',
          type: 'terminate-sessions',
          subject: 'SSM sessions in us-east-1',
          outcome: 'failed',
          error: 'Throttling: Rate exceeded',
        },
      ],
      sessions: [{ sessionId: 's-1', region: 'us-east-1', owner: 'arn', target: 'i-0bastion' }],
      notes: [],
    },
  ],
  notes: [],
  ...overrides,
});

beforeEach(() => sns.reset());

describe('Function: revocationNotification', () => {
  it('says the outcome, each step and the session targets in plain text', () => {
    const n = revocationNotification(report());
    expect(n.text).toContain('Offboarding departure: PARTIAL');
    expect(n.text).toMatch(
      /02-terminate-sessions\s+SSM sessions in us-east-1\s+failed\s+Throttling: Rate exceeded/,
    );
    expect(n.text).toContain('s-1 on i-0bastion');
    expect(n.attributes).toEqual({ trigger: 'departure', outcome: 'partial', severity: 'high' });
  });

  it.each([
    ['lockdown', 'revoked', 'info'],
    ['lockdown', 'planned', 'info'],
    ['lockdown', 'protected', 'warning'],
    ['lockdown', 'not-found', 'warning'],
    ['lockdown', 'failed', 'high'],
    ['departure', 'revoked', 'info'],
    // A leaver whose access was not found, or not revoked because protected, is a finding.
    ['departure', 'protected', 'high'],
    ['departure', 'not-found', 'high'],
  ] as const)('gives a %s with outcome %s the severity %s', (trigger, outcome, severity) => {
    expect(revocationNotification(report({ trigger, outcome })).attributes.severity).toBe(severity);
  });
});

describe('Function: publish', () => {
  it('sends one JSON-structured message with text for people and the report for machines', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await publish(
      { sns: new SNSClient({}) },
      'arn:aws:sns:us-east-1:123456789012:t',
      revocationNotification(report()),
    );
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    const message = JSON.parse(input?.Message ?? '{}');
    expect(message.default).toBe(message.email);
    expect(JSON.parse(message.sqs)).toEqual(JSON.parse(message.lambda));
    expect(JSON.parse(message.https).runId).toBe('run-1');
  });

  it('keeps a huge report under the SNS size limit and says it was truncated', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const many = report({
      principals: Array.from({ length: 400 }, (_, i) => ({
        ...(report().principals[0] as RevocationReport['principals'][number]),
        principal: {
          kind: 'user' as const,
          name: `user-${i}`,
          arn: `arn:aws:iam::123456789012:user/user-${i}`,
        },
      })),
    });
    await publish({ sns: new SNSClient({}) }, 'arn:t', revocationNotification(many));
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Buffer.byteLength(input?.Message ?? '')).toBeLessThan(256 * 1024);
    expect(JSON.parse(JSON.parse(input?.Message ?? '{}').sqs).truncated).toBe(true);
    expect((input?.Subject ?? '').length).toBeLessThan(100);
  });
});

describe('Function: safeSubject', () => {
  it('removes newlines and non-ASCII and stays under 100 characters', () => {
    const s = safeSubject(`line one\nline two ${'é'.repeat(200)}`);
    expect(s).not.toMatch(/[\n\u0080-\uffff]/);
    expect(s.length).toBeLessThan(100);
  });
});

describe('Function: table', () => {
  it('aligns columns with spaces', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', 'e'],
      ]),
    ).toBe('a    bb  c\nccc  d   e');
  });
});

describe('Function: restoreNotification', () => {
  const restoreReport = (trigger: 'departure' | 'lockdown'): RestoreReport => ({
    kind: 'restore',
    runId: 'restore-1',
    trigger: 'restore',
    target: { userName: 'alice' },
    reason: 'closed',
    requestedBy: 'secops',
    at: '2026-11-29T12:00:00.000Z',
    finishedAt: '2026-11-29T12:00:01.000Z',
    outcome: 'restored',
    principal: { kind: 'user', name: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' },
    undoes: ['run-1'],
    restored: { trigger, mode: trigger === 'departure' ? 'departure' : 'lockdown' },
    steps: [],
    keptInForce: trigger === 'lockdown' ? ['AKIA1: also held by the unrestored departure run d-1'] : [],
    notRestored: [],
    notes: [],
  });

  it('reports the restore of a departure at high severity, and says so', () => {
    const n = restoreNotification(restoreReport('departure'));
    expect(n.attributes.severity).toBe('high');
    expect(n.text).toContain('undid a DEPARTURE');
  });

  it('reports the restore of a lockdown at info severity, with what stays in force', () => {
    const n = restoreNotification(restoreReport('lockdown'));
    expect(n.attributes.severity).toBe('info');
    expect(n.text).toContain('kept in force: AKIA1: also held by the unrestored departure run d-1');
  });
});
