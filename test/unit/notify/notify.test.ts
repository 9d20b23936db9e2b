import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { RestoreReport, RevocationReport } from '../../../src/engine/types';
import {
  chatNotificationSchema,
  emailText,
  type NotifyConfig,
  publish,
  renderContext,
  restoreNotification,
  revocationNotification,
  safeSubject,
  table,
} from '../../../src/notify';
import { subjectOf } from '../../../src/notify/model';

const config: NotifyConfig = {
  notifyTopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
  chatTopicArn: undefined,
  region: 'us-east-1',
  idcRegion: 'us-east-1',
  projectRolePrefix: 'offboarding-prod-',
};
const chatTopic = 'arn:aws:sns:us-east-1:123456789012:chat';
const text = (n: Parameters<typeof emailText>[0]) => emailText(n, renderContext(config));

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
  it('says the outcome, each step on its own line and the session targets in plain text', () => {
    const n = revocationNotification(report());
    expect(n.subject).toBe('[offboarding] Departure of user jane: partial');
    expect(text(n)).toContain(
      '- 02-terminate-sessions SSM sessions in us-east-1: failed: Throttling: Rate exceeded',
    );
    expect(text(n)).toContain('SSM session s-1 on i-0bastion (us-east-1)');
    expect(n.attributes).toEqual({ trigger: 'departure', outcome: 'partial', severity: 'high' });
  });

  it.each([
    // A lockdown is an incident: high whatever its outcome.
    ['lockdown', 'revoked', 'high'],
    ['lockdown', 'planned', 'high'],
    ['lockdown', 'protected', 'high'],
    ['lockdown', 'not-found', 'high'],
    ['lockdown', 'failed', 'high'],
    ['sweep', 'revoked', 'info'],
    ['departure', 'revoked', 'info'],
    // A leaver whose access was not found, or not revoked because protected, is a finding.
    ['departure', 'protected', 'high'],
    ['departure', 'not-found', 'high'],
  ] as const)('gives a %s with outcome %s the severity %s', (trigger, outcome, severity) => {
    expect(revocationNotification(report({ trigger, outcome })).attributes.severity).toBe(severity);
  });
});

describe('Function: publish', () => {
  it('sends one JSON-structured message: text for email, the report for sqs and lambda, the chat format for https', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await publish({ sns: new SNSClient({}) }, config, revocationNotification(report()));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(config.notifyTopicArn);
    const message = JSON.parse(input?.Message ?? '{}');
    expect(message.default).toBe(message.email);
    expect(message.email).toContain('Departure of user jane: partial');
    expect(JSON.parse(message.sqs)).toEqual(JSON.parse(message.lambda));
    expect(JSON.parse(message.sqs).runId).toBe('run-1');
    const chat = chatNotificationSchema.parse(JSON.parse(message.https));
    expect(chat.metadata?.threadId).toBe('run-1');
  });

  it('publishes the chat rendering alone on CHAT_TOPIC_ARN too when it is set, with the same attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await publish(
      { sns: new SNSClient({}) },
      { ...config, chatTopicArn: chatTopic },
      revocationNotification(report()),
    );
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.TopicArn)).toEqual([config.notifyTopicArn, chatTopic]);
    expect(calls[1]?.MessageStructure).toBeUndefined();
    const chat = chatNotificationSchema.parse(JSON.parse(calls[1]?.Message ?? '{}'));
    expect(chat.content.title).toContain('Departure of user jane: partial');
    expect(calls[1]?.MessageAttributes).toEqual(calls[0]?.MessageAttributes);
  });

  it('throws when the chat topic refuses the message, after the main topic has it', async () => {
    sns
      .on(PublishCommand, { TopicArn: config.notifyTopicArn })
      .resolves({ MessageId: 'm' })
      .on(PublishCommand, { TopicArn: chatTopic })
      .rejects(new Error('AuthorizationError: not authorized'));
    await expect(
      publish(
        { sns: new SNSClient({}) },
        { ...config, chatTopicArn: chatTopic },
        revocationNotification(report()),
      ),
    ).rejects.toThrow('not authorized');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('still sends the email when the chat rendering breaks the format, then throws so that the run notes it', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    // An empty keyword is not a valid chat message.
    const broken = { ...revocationNotification(report()), keywords: [''] };
    await expect(
      publish({ sns: new SNSClient({}) }, { ...config, chatTopicArn: chatTopic }, broken),
    ).rejects.toThrow(/chat rendering failed/);
    const calls = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.TopicArn)).toEqual([config.notifyTopicArn]);
    const message = JSON.parse(calls[0]?.Message ?? '{}');
    expect(message.email).toContain('Departure of user jane: partial');
    expect(JSON.parse(message.https)).toEqual(JSON.parse(message.sqs));
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
    await publish({ sns: new SNSClient({}) }, config, revocationNotification(many));
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Buffer.byteLength(input?.Message ?? '')).toBeLessThan(256 * 1024);
    expect(JSON.parse(JSON.parse(input?.Message ?? '{}').sqs).truncated).toBe(true);
    expect((input?.Subject ?? '').length).toBeLessThan(100);
  });
});

describe('Function: subjectOf', () => {
  it('cuts a long headline before its outcome, so that the subject still says how the run ended', () => {
    const name = 'a'.repeat(64);
    const n = revocationNotification(
      report({
        trigger: 'lockdown',
        outcome: 'revoked',
        principals: [
          {
            ...(report().principals[0] as RevocationReport['principals'][number]),
            principal: { kind: 'user', name, arn: `arn:aws:iam::123456789012:user/${name}` },
          },
        ],
      }),
    );
    expect(n.headline).toBe(`Lockdown of user ${name}: revoked`);
    expect(n.subject.length).toBeLessThan(100);
    expect(n.subject).toMatch(/^\[offboarding\] Lockdown of user a+\.\.\.: revoked$/);
  });

  it('keeps a headline that fits as it is', () => {
    expect(subjectOf('Restore of user alice: restored')).toBe(
      '[offboarding] Restore of user alice: restored',
    );
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
    expect(text(n)).toContain('undid a DEPARTURE');
  });

  it('reports the restore of a lockdown at info severity, with what stays in force', () => {
    const n = restoreNotification(restoreReport('lockdown'));
    expect(n.attributes.severity).toBe('info');
    expect(n.subject).toBe('[offboarding] Restore of user alice: restored');
    expect(text(n)).toContain('Kept in force:\n- AKIA1: also held by the unrestored departure run d-1');
  });
});
