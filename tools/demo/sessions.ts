import {
  DescribeSessionsCommand,
  type DescribeSessionsCommandOutput,
  type Session,
  SSMClient,
  TerminateSessionCommand,
  type TerminateSessionCommandOutput,
} from '@aws-sdk/client-ssm';

/**
 * SSM Session Manager sessions, simulated in memory for the demo: moto implements SSM parameters but not
 * `DescribeSessions` / `TerminateSession`. While installed, every `SSMClient` in this process (the demo's
 * and those the real handlers build at cold start) answers those two commands from this store; every other
 * SSM command (e.g. `GetParameter` for the webhook secrets) still goes to the emulator.
 * As in AWS, a client sees only the sessions of its own account: a session belongs to the account in its
 * owner's ARN, a client to the account its credentials act on (asked of the emulator once per access key).
 * Never used outside the demo.
 */

/** The account a client's credentials act on (e.g. `sts:GetCallerIdentity` signed with them). */
export type AccountOfClient = (client: SSMClient) => Promise<string>;

/** The account in a principal's ARN (`arn:aws:iam::<account>:user/x`, `arn:aws:sts::<account>:assumed-role/...`). */
export const accountOfArn = (arn: string): string => arn.split(':')[4] ?? '';

export interface SimulatedSession {
  readonly sessionId: string;
  readonly owner: string;
  readonly target: string;
  status: 'Connected' | 'Terminated';
  readonly startDate: Date;
}

export class SimulatedSessions {
  readonly #sessions: SimulatedSession[] = [];
  #restore: (() => void) | undefined;

  /** Opens a session as if `owner` had run `aws ssm start-session --target <target>`. */
  open(owner: string, target: string, startDate: Date): SimulatedSession {
    const session: SimulatedSession = {
      sessionId: `${owner.split('/').pop() ?? 'session'}-${(this.#sessions.length + 1).toString(16).padStart(8, '0')}`,
      owner,
      target,
      status: 'Connected',
      startDate,
    };
    this.#sessions.push(session);
    return session;
  }

  /** Every session, in the order they were opened. */
  all(): readonly SimulatedSession[] {
    return this.#sessions;
  }

  /** The sessions of `account` in that state (Active unless `History`), of `owner` when given. */
  describe(account: string, state: string | undefined, owner: string | undefined): Session[] {
    const wantActive = state !== 'History';
    return this.#sessions
      .filter((s) => accountOfArn(s.owner) === account)
      .filter((s) => (s.status === 'Connected') === wantActive)
      .filter((s) => owner === undefined || s.owner === owner)
      .map((s) => ({
        SessionId: s.sessionId,
        Owner: s.owner,
        Target: s.target,
        Status: s.status,
        StartDate: s.startDate,
      }));
  }

  /**
   * Terminates a session of `account`. Like AWS, it answers success for any id; a session of another account
   * is not there, so it stays as it is.
   */
  terminate(account: string, sessionId: string): void {
    const s = this.#sessions.find((x) => x.sessionId === sessionId);
    if (s && accountOfArn(s.owner) === account) s.status = 'Terminated';
  }

  /**
   * Routes `DescribeSessions` and `TerminateSession` of every `SSMClient` to this store (like
   * aws-sdk-client-mock, by replacing `send` on the prototype) until {@link uninstall}; `accountOf` tells
   * which account's sessions a client sees.
   */
  install(accountOf: AccountOfClient): void {
    if (this.#restore) return;
    const proto = SSMClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
    const hadOwn = Object.hasOwn(proto, 'send');
    const original = proto.send;
    const store = this;
    proto.send = function send(this: unknown, ...args: unknown[]) {
      const [command] = args;
      const $metadata = { httpStatusCode: 200, requestId: 'simulated' };
      const client = this as SSMClient;
      if (command instanceof DescribeSessionsCommand) {
        const owner = command.input.Filters?.find((f) => f.key === 'Owner')?.value;
        return accountOf(client).then(
          (account): DescribeSessionsCommandOutput => ({
            Sessions: store.describe(account, command.input.State, owner),
            $metadata,
          }),
        );
      }
      if (command instanceof TerminateSessionCommand) {
        return accountOf(client).then((account): TerminateSessionCommandOutput => {
          store.terminate(account, command.input.SessionId ?? '');
          return { SessionId: command.input.SessionId, $metadata };
        });
      }
      return original.apply(this, args);
    };
    this.#restore = () => {
      if (hadOwn) proto.send = original;
      else delete (proto as { send?: unknown }).send;
    };
  }

  uninstall(): void {
    this.#restore?.();
    this.#restore = undefined;
  }
}
