import { loadConfig } from '../../../src/config';

/**
 * infra/iam-statements.cjs renders the IAM resources serverless.yml cannot loop over (PROTECTED_PRINCIPALS,
 * SESSION_REGIONS) and validates the role names and ARNs a grant is built from (MEMBER_ROLE_NAME,
 * ORG_ROLE_ARN, the Identity Center params); osls calls its exports with a `resolveVariable`. Here it is called the same way with a
 * stand-in resolver; the packaged result is evaluated in iam-simulate.test.ts.
 */

type Resolver = { resolveVariable: (address: string) => Promise<unknown> };
type Rendered = (string | { 'Fn::Sub': string })[];
interface IamStatements {
  commaList(value: unknown): string[];
  protectedPrincipalArns(entry: string): Rendered;
  neverWrittenPrincipals(resolver: Resolver): Promise<Rendered>;
  iamWriteActionsButPassRole(resolver: Resolver): Promise<string[]>;
  sessionArns(resolver: Resolver): Promise<Rendered>;
  memberRoleArns(resolver: Resolver): Promise<Rendered>;
  orgRoleArn(resolver: Resolver): Promise<string>;
  chatTopicArn(resolver: Resolver): Promise<string>;
  publishTopicArns(resolver: Resolver): Promise<(string | { Ref: string })[]>;
  identityStoreId(resolver: Resolver): Promise<string>;
  ssoInstanceArn(resolver: Resolver): Promise<string>;
  idcRoleArn(resolver: Resolver): Promise<string>;
  idcRegion(resolver: Resolver): Promise<string>;
}
// A CommonJS file that osls loads with require(): loaded the same way here.
const statements = require('../../../infra/iam-statements.cjs') as IamStatements;

const resolver = (values: Record<string, unknown>): Resolver => ({
  resolveVariable: async (address) => {
    if (!(address in values)) throw new Error(`unexpected variable ${address}`);
    return values[address];
  },
});
const configWith = (env: Record<string, string>) =>
  loadConfig({
    AWS_REGION: 'us-east-1',
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    STATE_TABLE: 't',
    ...env,
  });
const text = (rendered: Rendered) => rendered.map((r) => (typeof r === 'string' ? r : r['Fn::Sub']));
const principalsFor = (list: string) =>
  statements
    .neverWrittenPrincipals(
      resolver({
        'self:provider.environment.PROJECT_ROLE_PREFIX': 'offboarding-prod-',
        'param:protectedPrincipals': list,
      }),
    )
    .then(text);
const OWN = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/offboarding-prod-*`;
const iamArn = (resource: string) => `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${resource}`;

describe('infra/iam-statements.cjs', () => {
  it("renders the departure worker's deny verbs: the IAM write verbs but iam:PassRole, and refuses a list without it", async () => {
    const verbs = ['iam:Add*', 'iam:PassRole', 'iam:Put*'];
    const r = (list: unknown) =>
      statements.iamWriteActionsButPassRole(resolver({ 'self:custom.iamWriteActions': list }));
    expect(await r(verbs)).toEqual(['iam:Add*', 'iam:Put*']);
    await expect(r(['iam:Add*'])).rejects.toThrow(/iam:PassRole/);
    await expect(r('iam:PassRole')).rejects.toThrow(/list/);
  });

  it('reads a comma list exactly as the functions read PROTECTED_PRINCIPALS and SESSION_REGIONS', () => {
    for (const value of ['', ' ', 'a', ' a , b ,,c ', 'break-glass-*,arn:aws:iam::*:role/x']) {
      const config = loadConfig({
        AWS_REGION: 'us-east-1',
        NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
        STATE_TABLE: 't',
        PROTECTED_PRINCIPALS: value,
      });
      expect(statements.commaList(value)).toEqual([...config.protectedPrincipals]);
    }
  });

  it('denies only the own roles when protectedPrincipals is empty', async () => {
    expect(await principalsFor('')).toEqual([OWN]);
    expect(await principalsFor(' , ')).toEqual([OWN]);
  });

  it('renders a name as the user and the role of that name, at the root and under any path', async () => {
    expect(await principalsFor('ci-deployer')).toEqual([
      OWN,
      iamArn('user/ci-deployer'),
      iamArn('user/*/ci-deployer'),
      iamArn('role/ci-deployer'),
      iamArn('role/*/ci-deployer'),
    ]);
  });

  it('keeps glob characters and the spelling of each entry; uses an ARN glob entry as is', async () => {
    const rendered = await principalsFor('break-glass-*, Admin?,arn:aws:iam::123456789012:role/admin/*');
    expect(rendered).toContain(iamArn('user/break-glass-*'));
    expect(rendered).toContain(iamArn('role/Admin?'));
    expect(rendered).not.toContain(iamArn('role/admin?'));
    expect(rendered.at(-1)).toBe('arn:aws:iam::123456789012:role/admin/*');
    expect(rendered).toHaveLength(1 + 4 + 4 + 1);
  });

  it.each([
    'ci deployer',
    'team/ci-deployer',
    `\${AWS::AccountId}`,
    `arn:aws:iam::\${AWS::AccountId}:role/x`,
    'arn:aws:iam:: 1:role/x',
  ])('refuses the entry %j rather than render a deny that matches nothing', async (entry) => {
    await expect(principalsFor(entry)).rejects.toThrow(/protectedPrincipals/);
  });

  it('refuses a project role prefix that is not a plain name prefix', async () => {
    await expect(
      statements.neverWrittenPrincipals(
        resolver({
          'self:provider.environment.PROJECT_ROLE_PREFIX': `\${self:service}`,
          'param:protectedPrincipals': '',
        }),
      ),
    ).rejects.toThrow(/PROJECT_ROLE_PREFIX/);
  });

  it("renders one session ARN per region, or the stack's region when none is given", async () => {
    const sessions = (list: string) =>
      statements.sessionArns(resolver({ 'param:sessionRegions': list })).then(text);
    expect(await sessions('')).toEqual([
      `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:session/*`,
    ]);
    expect(await sessions('eu-west-1, us-gov-west-1')).toEqual([
      `arn:\${AWS::Partition}:ssm:eu-west-1:\${AWS::AccountId}:session/*`,
      `arn:\${AWS::Partition}:ssm:us-gov-west-1:\${AWS::AccountId}:session/*`,
    ]);
    await expect(sessions('eu-west-1,*')).rejects.toThrow(/sessionRegions/);
    await expect(sessions('EU-WEST-1')).rejects.toThrow(/sessionRegions/);
  });

  it('grants the member role by its name at the root path, in any account, and refuses a name the config refuses', async () => {
    const arns = (name: unknown) =>
      statements.memberRoleArns(resolver({ 'param:memberRoleName': name })).then(text);
    expect(await arns('offboarding-member')).toEqual([
      `arn:\${AWS::Partition}:iam::*:role/offboarding-member`,
    ]);
    for (const name of ['', '*', 'offboarding-*', 'team/offboarding-member', 'a b', 'x'.repeat(65)]) {
      await expect(arns(name)).rejects.toThrow(/memberRoleName/);
      // The functions' config refuses the same names (MEMBER_ROLE_NAME): the grant and the code agree.
      if (name !== '') expect(() => configWith({ MEMBER_ROLE_NAME: name })).toThrow(/MEMBER_ROLE_NAME/);
    }
  });

  it('passes an empty orgRoleArn or one role ARN, and refuses a glob or anything else', async () => {
    const arn = (value: unknown) => statements.orgRoleArn(resolver({ 'param:orgRoleArn': value }));
    expect(await arn('')).toBe('');
    expect(await arn(undefined)).toBe('');
    const role = 'arn:aws:iam::111122223333:role/offboarding-list-accounts';
    expect(await arn(role)).toBe(role);
    expect(await arn('arn:aws-us-gov:iam::111122223333:role/ops/list')).toBe(
      'arn:aws-us-gov:iam::111122223333:role/ops/list',
    );
    for (const bad of [
      'arn:aws:iam::111122223333:role/*',
      'arn:aws:iam::*:role/offboarding-list-accounts',
      'arn:aws:iam::111122223333:user/x',
      'arn:aws:iam::111122223333:role/a b',
      'offboarding-list-accounts',
      `arn:aws:iam::\${AWS::AccountId}:role/x`,
    ])
      await expect(arn(bad)).rejects.toThrow(/orgRoleArn/);
    // Whatever passes here, the functions' config accepts as ORG_ROLE_ARN.
    expect(configWith({ ORG_ROLE_ARN: role }).orgRoleArn).toBe(role);
  });

  it('passes an empty chatTopicArn or one SNS topic ARN, and refuses a glob or anything else', async () => {
    const arn = (value: unknown) => statements.chatTopicArn(resolver({ 'param:chatTopicArn': value }));
    const topics = (value: unknown) => statements.publishTopicArns(resolver({ 'param:chatTopicArn': value }));
    const topic = 'arn:aws:sns:eu-west-1:111122223333:offboarding-chat';
    expect(await arn('')).toBe('');
    expect(await arn(undefined)).toBe('');
    expect(await arn(` ${topic} `)).toBe(topic);
    // The functions publish on the notification topic, and on the chat topic only when it is set.
    expect(await topics('')).toEqual([{ Ref: 'NotifyTopic' }]);
    expect(await topics(topic)).toEqual([{ Ref: 'NotifyTopic' }, topic]);
    for (const bad of [
      'arn:aws:sns:eu-west-1:111122223333:*',
      'arn:aws:sns:*:111122223333:offboarding-chat',
      'arn:aws:sqs:eu-west-1:111122223333:offboarding-chat',
      'offboarding-chat',
      'arn:aws:sns:eu-west-1:111122223333:a b',
    ]) {
      await expect(arn(bad)).rejects.toThrow(/chatTopicArn/);
      await expect(topics(bad)).rejects.toThrow(/chatTopicArn/);
      // What the packaging refuses, the functions' config refuses too.
      expect(() => configWith({ CHAT_TOPIC_ARN: bad })).toThrow(/CHAT_TOPIC_ARN/);
    }
    expect(configWith({ CHAT_TOPIC_ARN: topic }).chatTopicArn).toBe(topic);
  });

  describe('the Identity Center params (IDENTITY_STORE_ID, SSO_INSTANCE_ARN, IDC_ROLE_ARN, IDC_REGION)', () => {
    const STORE = 'd-9067c2a1b3';
    const INSTANCE = 'arn:aws:sso:::instance/ssoins-72230b4e1a7f0c3d';
    const ROLE = 'arn:aws:iam::111122223333:role/offboarding-identity-center';
    const params = (values: Record<string, unknown>) =>
      resolver(
        Object.fromEntries(
          ['identityStoreId', 'ssoInstanceArn', 'idcRoleArn', 'idcRegion'].map((k) => [
            `param:${k}`,
            values[k],
          ]),
        ),
      );
    const all = async (values: Record<string, unknown>) => {
      const r = params(values);
      return [
        await statements.identityStoreId(r),
        await statements.ssoInstanceArn(r),
        await statements.idcRoleArn(r),
        await statements.idcRegion(r),
      ];
    };

    it('passes all empty (Identity Center off), or the two ids with an optional role ARN and region', async () => {
      expect(await all({})).toEqual(['', '', '', '']);
      expect(await all({ identityStoreId: '', ssoInstanceArn: ' ' })).toEqual(['', '', '', '']);
      expect(await all({ identityStoreId: STORE, ssoInstanceArn: INSTANCE })).toEqual([
        STORE,
        INSTANCE,
        '',
        '',
      ]);
      expect(
        await all({
          identityStoreId: ` ${STORE}`,
          ssoInstanceArn: INSTANCE,
          idcRoleArn: ROLE,
          idcRegion: 'eu-west-1',
        }),
      ).toEqual([STORE, INSTANCE, ROLE, 'eu-west-1']);
      // Whatever passes here, the functions' config accepts.
      const config = configWith({
        IDENTITY_STORE_ID: STORE,
        SSO_INSTANCE_ARN: INSTANCE,
        IDC_ROLE_ARN: ROLE,
        IDC_REGION: 'eu-west-1',
      });
      expect([config.identityStoreId, config.ssoInstanceArn, config.idcRoleArn, config.idcRegion]).toEqual([
        STORE,
        INSTANCE,
        ROLE,
        'eu-west-1',
      ]);
    });

    it.each([
      [
        'a store id that is not d- and 10 hex digits',
        { identityStoreId: 'd-*', ssoInstanceArn: INSTANCE },
        /identityStoreId/,
      ],
      [
        'a store id in upper case',
        { identityStoreId: 'D-9067C2A1B3', ssoInstanceArn: INSTANCE },
        /identityStoreId/,
      ],
      [
        'an instance ARN glob',
        { identityStoreId: STORE, ssoInstanceArn: 'arn:aws:sso:::instance/*' },
        /ssoInstanceArn/,
      ],
      [
        'a permission set ARN for the instance',
        { identityStoreId: STORE, ssoInstanceArn: 'arn:aws:sso:::permissionSet/ssoins-72230b4e1a7f0c3d/*' },
        /ssoInstanceArn/,
      ],
      ['the store id alone', { identityStoreId: STORE }, /set both/],
      ['the instance ARN alone', { ssoInstanceArn: INSTANCE }, /set both/],
      [
        'a role ARN glob',
        { identityStoreId: STORE, ssoInstanceArn: INSTANCE, idcRoleArn: 'arn:aws:iam::111122223333:role/*' },
        /idcRoleArn/,
      ],
      [
        'a role ARN of any account',
        { identityStoreId: STORE, ssoInstanceArn: INSTANCE, idcRoleArn: 'arn:aws:iam::*:role/x' },
        /idcRoleArn/,
      ],
      [
        'a region that is not one',
        { identityStoreId: STORE, ssoInstanceArn: INSTANCE, idcRegion: 'europe' },
        /idcRegion/,
      ],
      ['a role ARN with Identity Center off', { idcRoleArn: ROLE }, /need identityStoreId/],
      ['a region with Identity Center off', { idcRegion: 'eu-west-1' }, /need identityStoreId/],
    ])('refuses %s, from every one of the four exports', async (_what, values, message) => {
      const r = params(values);
      for (const render of [
        statements.identityStoreId,
        statements.ssoInstanceArn,
        statements.idcRoleArn,
        statements.idcRegion,
      ])
        await expect(render(r)).rejects.toThrow(message);
    });

    it('refuses what the config refuses: one id without the other', () => {
      expect(() => configWith({ IDENTITY_STORE_ID: STORE })).toThrow(
        /IDENTITY_STORE_ID and SSO_INSTANCE_ARN/,
      );
      expect(() => configWith({ IDENTITY_STORE_ID: 'd-*', SSO_INSTANCE_ARN: INSTANCE })).toThrow(
        /IDENTITY_STORE_ID/,
      );
    });
  });
});
