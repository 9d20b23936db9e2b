import type { IdcTiming } from './types';

/**
 * The one bounded wait on Identity Center's asynchronous operations (permission set provisioning, account
 * assignment creation and deletion): each answers a status with a request id, to be described again until it
 * is `SUCCEEDED` or `FAILED`.
 */

export type AsyncStatus = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** A status as sso-admin answers it (`Status`, `RequestId`, `FailureReason`). */
export interface StatusAnswer {
  readonly Status?: string;
  readonly RequestId?: string;
  readonly FailureReason?: string;
}

export interface Settled {
  readonly status: AsyncStatus;
  readonly requestId?: string;
  readonly failureReason?: string;
  /** Describe calls made. */
  readonly polls: number;
}

const settledOf = (a: StatusAnswer | undefined, polls: number): Settled => ({
  status: a?.Status === 'SUCCEEDED' || a?.Status === 'FAILED' ? a.Status : 'IN_PROGRESS',
  ...(a?.RequestId ? { requestId: a.RequestId } : {}),
  ...(a?.FailureReason ? { failureReason: a.FailureReason } : {}),
  polls,
});

/**
 * Waits, bounded, for an operation that answered `first`: describes it every `pollMs` until it settles or
 * `maxPolls` describes were made; a status still `IN_PROGRESS` then is returned as such (the caller reports it).
 * @example
 * await waitForStatus(out.PermissionSetProvisioningStatus, (id) => describe(id), timing);
 */
export async function waitForStatus(
  first: StatusAnswer | undefined,
  describe: (requestId: string) => Promise<StatusAnswer | undefined>,
  timing: Pick<IdcTiming, 'sleep' | 'pollMs' | 'maxPolls'>,
): Promise<Settled> {
  let answer = first;
  let polls = 0;
  while (settledOf(answer, polls).status === 'IN_PROGRESS' && answer?.RequestId && polls < timing.maxPolls) {
    await timing.sleep(timing.pollMs);
    polls++;
    answer = { RequestId: answer.RequestId, ...(await describe(answer.RequestId)) };
  }
  return settledOf(answer, polls);
}
