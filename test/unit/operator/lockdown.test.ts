import { PublishCommand } from '@aws-sdk/client-sns';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { lockdown, restore } from '../../../src/operator/lockdown';
import { answerDefaults, answerUser, mockAws } from '../../support/iam-mock';

const m = mockAws();
const ok = { reason: 'INC-42', requestedBy: 'secops' };

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('Function: lockdown', () => {
  it('publishes one notification with human text, the JSON report and filterable attributes', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown({ target: { userName: 'alice' }, ...ok }, m.deps());

    const input = m.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(m.sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(input?.MessageStructure).toBe('json');
    expect((input?.Subject ?? '').length).toBeLessThan(100);
    const message = JSON.parse(input?.Message ?? '{}');
    expect(Object.keys(message).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(input?.Subject).toBe('[offboarding] Lockdown of user alice: revoked');
    expect(message.default).toContain('Lockdown of user alice: revoked');
    expect(JSON.parse(message.https)).toMatchObject({ version: '1.0', source: 'custom' });
    expect(JSON.parse(message.sqs)).toMatchObject({
      kind: 'revocation',
      outcome: 'revoked',
      trigger: 'lockdown',
    });
    expect(input?.MessageAttributes).toEqual({
      trigger: { DataType: 'String', StringValue: 'lockdown' },
      outcome: { DataType: 'String', StringValue: 'revoked' },
      severity: { DataType: 'String', StringValue: 'high' },
    });
  });

  it.each([
    ['set', 'arn:aws:sns:us-east-1:123456789012:offboarding-chat', 2],
    ['not set', undefined, 1],
  ] as const)(
    'publishes %s CHAT_TOPIC_ARN: the report on the topic, and the chat message on the chat topic (%#)',
    async (_set, chatTopicArn, publishes) => {
      answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
      const deps = m.deps({ chatTopicArn });
      await lockdown({ target: { userName: 'alice' }, ...ok }, deps);

      const calls = m.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
      expect(calls).toHaveLength(publishes);
      expect(calls[0]?.TopicArn).toBe(deps.config.notifyTopicArn);
      if (chatTopicArn) {
        expect(calls[1]?.TopicArn).toBe(chatTopicArn);
        const chat = JSON.parse(calls[1]?.Message ?? '{}');
        expect(chat).toMatchObject({
          version: '1.0',
          source: 'custom',
          content: { textType: 'client-markdown' },
        });
        expect(chat.content.title).toContain('Lockdown of user alice: revoked');
      }
    },
  );

  it('publishes a protected principal as a warning and changes nothing', async () => {
    answerUser(m, { userName: 'alice', tags: { 'offboarding:protected': 'true' } });
    const report = await lockdown({ target: { userName: 'alice' }, ...ok }, m.deps());
    expect(report.outcome).toBe('protected');
    expect(m.sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        outcome: { DataType: 'String', StringValue: 'protected' },
      }),
    });
  });

  it('returns the report with a note when the notification cannot be published', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.sns.on(PublishCommand).rejects(new Error('topic gone'));
    const report = await lockdown({ target: { userName: 'alice' }, ...ok }, m.deps());
    expect(report.outcome).toBe('revoked');
    expect(report.notes.join(' ')).toContain('notification failed: topic gone');
  });
});

describe('Function: restore', () => {
  it('publishes the restore report', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    await lockdown({ target: { userName: 'alice' }, ...ok }, m.deps());
    const stored = m.ddb.commandCalls(PutCommand).flatMap((c) => c.args[0].input.Item ?? []);
    m.ddb.on(QueryCommand).resolves({ Items: stored.filter((i) => String(i?.pk).startsWith('principal#')) });
    m.sns.reset();
    m.sns.on(PublishCommand).resolves({ MessageId: 'm-2' });

    const report = await restore({ target: { userName: 'alice' }, ...ok }, m.deps());

    expect(report.outcome).toBe('restored');
    expect(m.sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({ trigger: { DataType: 'String', StringValue: 'restore' } }),
    });
  });
});
