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
 * Never used outside the demo.
 */

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

  describe(state: string | undefined, owner: string | undefined): Session[] {
    const wantActive = state !== 'History';
    return this.#sessions
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

  terminate(sessionId: string): void {
    const s = this.#sessions.find((x) => x.sessionId === sessionId);
    if (s) s.status = 'Terminated';
  }

  /**
   * Routes `DescribeSessions` and `TerminateSession` of every `SSMClient` to this store (like
   * aws-sdk-client-mock, by replacing `send` on the prototype) until {@link uninstall}.
   */
  install(): void {
    if (this.#restore) return;
    const proto = SSMClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
    const hadOwn = Object.hasOwn(proto, 'send');
    const original = proto.send;
    const store = this;
    proto.send = function send(this: unknown, ...args: unknown[]) {
      const [command] = args;
      const $metadata = { httpStatusCode: 200, requestId: 'simulated' };
      if (command instanceof DescribeSessionsCommand) {
        const owner = command.input.Filters?.find((f) => f.key === 'Owner')?.value;
        const output: DescribeSessionsCommandOutput = {
          Sessions: store.describe(command.input.State, owner),
          $metadata,
        };
        return Promise.resolve(output);
      }
      if (command instanceof TerminateSessionCommand) {
        store.terminate(command.input.SessionId ?? '');
        const output: TerminateSessionCommandOutput = { SessionId: command.input.SessionId, $metadata };
        return Promise.resolve(output);
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
