import {
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListMFADevicesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../../src/clients';
import { DEPARTURE_IDEMPOTENCY_PK } from '../../src/departures/worker';
import { drainInbox } from '../local/seed';
import { type Account, DENY_POLICY_ARN, REGION, type SeededPerson, type SeededUser } from './account';

/**
 * Reading back what the scenarios did, with the operator's key straight to moto (no proxy, no faults): a
 * user's state, the notifications a subscriber received, the DLQ, the state table's records. Assertions and
 * figures come from here, never from what the code under test said. Never bundled into a handler.
 */

export interface UserState {
  readonly userName: string;
  readonly denyAttached: boolean;
  readonly activeKeys: number;
  readonly inactiveKeys: number;
  readonly loginProfile: boolean;
  readonly mfaDevices: number;
  readonly connectedSessions: number;
  readonly tags: Readonly<Record<string, string>>;
  /** `iam:ListUsers` signed with the user's own first key: 'allowed' or the error code. */
  readonly ownKey: string;
}

/** The user's state on moto. */
export async function readUser(account: Account, user: SeededUser): Promise<UserState> {
  const { iam } = account.clients;
  const U = { UserName: user.userName };
  const [attached, keys, login, mfa, tags] = await Promise.all([
    iam.send(new ListAttachedUserPoliciesCommand(U)),
    iam.send(new ListAccessKeysCommand(U)),
    iam.send(new GetLoginProfileCommand(U)).then(
      () => true,
      (err: Error) => {
        if (err.name === 'NoSuchEntity' || err.name === 'NoSuchEntityException') return false;
        throw err;
      },
    ),
    iam.send(new ListMFADevicesCommand(U)),
    iam.send(new ListUserTagsCommand(U)),
  ]);
  const statuses = (keys.AccessKeyMetadata ?? []).map((k) => k.Status);
  const first = user.keys[0];
  let ownKey = 'no key';
  if (first) {
    const own = new IAMClient({
      region: REGION,
      endpoint: account.moto.endpoint,
      credentials: first,
      maxAttempts: 1,
    });
    ownKey = await own.send(new ListUsersCommand({ MaxItems: 1 })).then(
      () => 'allowed',
      (err: Error) => err.name,
    );
    own.destroy();
  }
  return {
    userName: user.userName,
    denyAttached: (attached.AttachedPolicies ?? []).some((p) => p.PolicyArn === DENY_POLICY_ARN),
    activeKeys: statuses.filter((s) => s === 'Active').length,
    inactiveKeys: statuses.filter((s) => s === 'Inactive').length,
    loginProfile: login,
    mfaDevices: (mfa.MFADevices ?? []).length,
    connectedSessions: account.sessions.activeOf(user.arn).length,
    tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    ownKey,
  };
}

/** Every check of a revoked user, failed ones named. */
export function revokedProblems(s: UserState): string[] {
  const problems: string[] = [];
  if (!s.denyAttached) problems.push('deny not attached');
  if (s.activeKeys > 0) problems.push(`${s.activeKeys} key(s) Active`);
  if (s.loginProfile) problems.push('login profile present');
  if (s.mfaDevices > 0) problems.push(`${s.mfaDevices} MFA device(s)`);
  if (s.connectedSessions > 0) problems.push(`${s.connectedSessions} SSM session(s) connected`);
  if (s.ownKey !== 'AccessDenied') problems.push(`own key: ${s.ownKey}`);
  return problems;
}

/** Every sign that a protected user was touched. */
export function touchedProblems(s: UserState, seeded: SeededUser): string[] {
  const problems: string[] = [];
  if (s.denyAttached) problems.push('deny attached');
  if (s.activeKeys !== seeded.keys.length) problems.push(`${s.activeKeys}/${seeded.keys.length} keys Active`);
  if (!s.loginProfile) problems.push('login profile deleted');
  if (seeded.mfaSerial && s.mfaDevices === 0) problems.push('MFA device deactivated');
  if (s.connectedSessions !== seeded.sessionIds.length) problems.push('SSM session terminated');
  if (Object.keys(s.tags).some((k) => k.startsWith('offboarding:') && k !== 'offboarding:protected'))
    problems.push('tagged by a run');
  if (s.ownKey !== 'allowed') problems.push(`own key: ${s.ownKey}`);
  return problems;
}

export interface PersonCheck {
  readonly person: SeededPerson;
  /** Problems per non-protected user (empty: verified revoked). */
  readonly revoked: Record<string, string[]>;
  /** Problems per protected user (empty: untouched). */
  readonly untouched: Record<string, string[]>;
  /** The person's federated SSM sessions still connected. */
  readonly federatedConnected: number;
  /** True when any revocation write shows on a non-protected user (deny, an inactive key...). */
  readonly anyRevocationVisible: boolean;
}

export async function checkPerson(account: Account, person: SeededPerson): Promise<PersonCheck> {
  const revoked: Record<string, string[]> = {};
  const untouched: Record<string, string[]> = {};
  let anyRevocationVisible = false;
  for (const u of person.users) {
    const state = await readUser(account, u);
    if (u.protection === 'none') {
      revoked[u.userName] = revokedProblems(state);
      if (state.denyAttached || state.inactiveKeys > 0 || !state.loginProfile) anyRevocationVisible = true;
    } else {
      untouched[u.userName] = touchedProblems(state, u);
    }
  }
  const federatedConnected = person.federatedSessionIds.filter(
    (id) => account.sessions.sessions.get(id)?.Status === 'Connected',
  ).length;
  return { person, revoked, untouched, federatedConnected, anyRevocationVisible };
}

/** A notification as the subscriber queue received it, with the report's run id and outcome. */
export interface ReceivedReport {
  readonly runId: string;
  readonly outcome: string;
  readonly trigger: string;
  readonly principals: readonly { name: string; outcome: string }[];
}

export async function receivedReports(
  clients: Pick<Clients, 'sqs'>,
  inboxUrl: string,
): Promise<ReceivedReport[]> {
  const received = await drainInbox(clients.sqs, inboxUrl);
  return received.map((n) => {
    let report: {
      runId?: string;
      messageId?: string;
      principals?: { principal?: { name?: string }; outcome?: string }[];
    } = {};
    try {
      report = JSON.parse(n.message);
    } catch {
      // a text-only message: counted by its attributes
    }
    return {
      runId: report.runId ?? report.messageId ?? '',
      outcome: n.attributes.outcome ?? '',
      trigger: n.attributes.trigger ?? '',
      principals: (report.principals ?? []).map((p) => ({
        name: p.principal?.name ?? '',
        outcome: p.outcome ?? '',
      })),
    };
  });
}

/** Every body in a queue (deleting them): the DLQ's content after a scenario. */
export async function drainQueue(clients: Pick<Clients, 'sqs'>, url: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const r = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = r.Messages ?? [];
    if (!messages.length) return out;
    out.push(...messages.map((m) => m.Body ?? ''));
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** The departure id of a queued body, or the body itself when it is not a departure. */
export const departureIdOf = (body: string): string => {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : body;
  } catch {
    return body;
  }
};

/** Revocation records of a user in the state table (one per run that reached its first write). */
export async function revocationRecords(
  clients: Pick<Clients, 'ddb'>,
  table: string,
  userName: string,
): Promise<{ runId: string; status: string; outcome?: string }[]> {
  const r = await clients.ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `principal#user#${userName}` },
    }),
  );
  return (r.Items ?? [])
    .filter((i) => i.kind === 'revocation')
    .map((i) => ({
      runId: String(i.runId),
      status: String(i.status),
      outcome: i.outcome as string | undefined,
    }));
}

/** The departure idempotency records (Powertools) in the state table. */
export async function idempotencyRecords(
  clients: Pick<Clients, 'ddb'>,
  table: string,
): Promise<{ sk: string; status: string; inProgressExpiration?: number }[]> {
  const r = await clients.ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': DEPARTURE_IDEMPOTENCY_PK },
    }),
  );
  return (r.Items ?? []).map((i) => ({
    sk: String(i.sk),
    status: String(i.status),
    ...(typeof i.in_progress_expiration === 'number'
      ? { inProgressExpiration: i.in_progress_expiration }
      : {}),
  }));
}
