import {
  type FaultKind,
  type FaultProxy,
  type Interceptor,
  type ProxiedRequest,
  type ProxyOptions,
  type ProxyStats,
  startFaultProxy,
} from '../local/proxy';

/**
 * The fault proxy (tools/local/proxy.ts, used as is) with a request log for the reliability scenarios: every
 * request that reaches it, faulted or not, with the SDK's attempt number (`amz-sdk-request: attempt=N;
 * max=M`), the command it belongs to (`amz-sdk-invocation-id`), the IAM principal it names (`UserName`,
 * `RoleName`, `AccessKeyId`, or the SSM session id) and whether the proxy forwarded it or answered a fault
 * itself. From the log: retries observed, SDK commands that gave up on an injected fault, and writes per
 * principal (the protected-principal count). Never bundled into a handler.
 */

/** AWS operations that change state, by name (the same rule as tools/local/instrument.ts). */
export const WRITE_OPERATION =
  /:(Attach|Detach|Put|Delete|Update|Create|Tag|Untag|Deactivate|Enable|Remove|Add|Terminate|Send|Publish|Upload|Change|Resync)/;

export interface LoggedRequest {
  readonly operation: string;
  readonly service: string;
  /** The SDK's attempt number, 1 for a first attempt (0 when the caller sent no header). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Identifies one SDK command across its attempts. */
  readonly invocationId: string;
  readonly userName?: string;
  readonly roleName?: string;
  readonly accessKeyId?: string;
  readonly sessionId?: string;
  readonly write: boolean;
  /** False when the proxy answered a fault itself (throttle, 500, 503, reset before forwarding). */
  forwarded: boolean;
}

export interface RetryFigures {
  /** Requests that reached the proxy. */
  readonly requests: number;
  /** SDK commands (distinct invocation ids). */
  readonly commands: number;
  /** Requests whose attempt number is 2 or more. */
  readonly retries: number;
  /** Retries per service. */
  readonly retriesByService: Record<string, number>;
  /** Commands whose last attempt was answered by an injected fault: the caller got an error. */
  readonly gaveUp: number;
  /** ...of which at the attempt limit (the rest stopped early: not retryable, or no retry capacity left). */
  readonly gaveUpAtMaxAttempts: number;
  readonly gaveUpByOperation: Record<string, number>;
  /** Highest attempt number seen. */
  readonly maxAttemptSeen: number;
}

export interface ObservedProxy {
  readonly proxy: FaultProxy;
  readonly endpoint: string;
  readonly log: readonly LoggedRequest[];
  stats(): ProxyStats;
  retries(): RetryFigures;
  /** Writes (by operation name) whose request names one of `principals` (user/role names, key or session ids). */
  writesOn(principals: ReadonlySet<string>): LoggedRequest[];
  /** IAM writes naming no user or role: IAM would apply them to the caller. */
  unattributedIamWrites(): LoggedRequest[];
  close(): Promise<void>;
}

const header = (r: ProxiedRequest, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function params(r: ProxiedRequest): Record<string, string> {
  if (r.protocol === 'query') {
    return Object.fromEntries(new URLSearchParams(r.body.toString('utf8')));
  }
  if (r.protocol === 'json') {
    try {
      const json = JSON.parse(r.body.toString('utf8') || '{}') as Record<string, unknown>;
      return Object.fromEntries(
        Object.entries(json).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    } catch {
      return {};
    }
  }
  return {};
}

function logEntry(r: ProxiedRequest): LoggedRequest {
  const attemptHeader = /attempt=(\d+);\s*max=(\d+)/.exec(header(r, 'amz-sdk-request') ?? '');
  const p = params(r);
  return {
    operation: r.operation,
    service: r.service,
    attempt: attemptHeader ? Number(attemptHeader[1]) : 0,
    maxAttempts: attemptHeader ? Number(attemptHeader[2]) : 0,
    invocationId: header(r, 'amz-sdk-invocation-id') ?? `none-${Math.random()}`,
    ...(p.UserName ? { userName: p.UserName } : {}),
    ...(p.RoleName ? { roleName: p.RoleName } : {}),
    ...(p.AccessKeyId ? { accessKeyId: p.AccessKeyId } : {}),
    ...(p.SessionId ? { sessionId: p.SessionId } : {}),
    write: WRITE_OPERATION.test(r.operation),
    forwarded: false,
  };
}

export type ObservedProxyOptions = Omit<ProxyOptions, 'faultable' | 'intercept'> & {
  /** Which requests may be faulted (default every AWS request). */
  readonly faultable?: (req: ProxiedRequest) => boolean;
  readonly intercept?: Interceptor;
};

/**
 * Starts the fault proxy with a request log. The log hooks into the proxy's two callbacks: `faultable` sees
 * every request before the fault draw; `intercept` sees only those the proxy forwards (so a request seen by
 * the first and not the second was answered by a throttle, 500, 503 or reset).
 */
export async function startObservedProxy(options: ObservedProxyOptions): Promise<ObservedProxy> {
  const log: LoggedRequest[] = [];
  const byRequest = new WeakMap<ProxiedRequest, LoggedRequest>();
  const faultable = options.faultable ?? (() => true);
  const proxy = await startFaultProxy({
    ...options,
    faultable: (req) => {
      if (req.service === 'moto-api') return false;
      const entry = logEntry(req);
      log.push(entry);
      byRequest.set(req, entry);
      return faultable(req);
    },
    intercept: (req, forward) => {
      const entry = byRequest.get(req);
      if (entry) entry.forwarded = true;
      return options.intercept?.(req, forward);
    },
  });

  const retries = (): RetryFigures => {
    const byCommand = new Map<string, LoggedRequest>();
    let retried = 0;
    let maxAttemptSeen = 0;
    const retriesByService: Record<string, number> = {};
    for (const e of log) {
      maxAttemptSeen = Math.max(maxAttemptSeen, e.attempt);
      if (e.attempt >= 2) {
        retried++;
        retriesByService[e.service] = (retriesByService[e.service] ?? 0) + 1;
      }
      const last = byCommand.get(e.invocationId);
      if (!last || e.attempt >= last.attempt) byCommand.set(e.invocationId, e);
    }
    const gaveUp = [...byCommand.values()].filter((e) => !e.forwarded);
    const gaveUpByOperation: Record<string, number> = {};
    for (const e of gaveUp) gaveUpByOperation[e.operation] = (gaveUpByOperation[e.operation] ?? 0) + 1;
    return {
      requests: log.length,
      commands: byCommand.size,
      retries: retried,
      retriesByService,
      gaveUp: gaveUp.length,
      gaveUpAtMaxAttempts: gaveUp.filter((e) => e.maxAttempts > 0 && e.attempt >= e.maxAttempts).length,
      gaveUpByOperation,
      maxAttemptSeen,
    };
  };

  return {
    proxy,
    endpoint: proxy.endpoint,
    log,
    stats: () => proxy.stats(),
    retries,
    writesOn: (principals) =>
      log.filter(
        (e) =>
          e.write &&
          [e.userName, e.roleName, e.accessKeyId, e.sessionId].some(
            (v) => v !== undefined && principals.has(v),
          ),
      ),
    unattributedIamWrites: () =>
      log.filter((e) => e.write && e.service === 'iam' && !e.userName && !e.roleName),
    close: () => proxy.close(),
  };
}

/** Faults injected, every kind present. */
export type FaultCounts = Record<FaultKind, number>;
