import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { accountAccess } from '../src/accounts/access';
import { sweepFanOut } from '../src/accounts/fanout';
import { fansOut } from '../src/config';
import { identityCenterDeps } from '../src/identity-center';
import { logger } from '../src/logger';
import { recordSweepCompleted } from '../src/metrics';
import { errorReporting, tracing } from '../src/middleware';
import { coldStart } from '../src/runtime';
import { sweepIdentityCenter } from '../src/sweep/identity-center';
import { parseSweepInput } from '../src/sweep/input';
import { keySweep, keySweepAcrossAccounts } from '../src/sweep/sweep';

const { config, clients } = coldStart(['ACCOUNT_QUEUE_URL']);
const access = accountAccess({ config, clients });
// Over several accounts (TARGET_ACCOUNTS other than self), one sweep per account is queued for the account worker.
const fanOut = fansOut(config) ? sweepFanOut({ config, clients, access }) : undefined;
// With IDENTITY_STORE_ID and SSO_INSTANCE_ARN set, revoked Identity Center users are re-checked too (once).
const identityCenter = (runId: string, now: Date) => identityCenterDeps(config, clients, access, runId, now);

/**
 * EventBridge schedule: the scheduled event, or a constant input `{ "mode": "report" | "enforce" }`
 * (overrides `SWEEP_MODE`; `DRY_RUN` wins). Returns the sweep summary (one account), or the accounts queued;
 * with Identity Center configured, its drift re-check as `identityCenter`.
 */
export const handler = middy()
  .use(tracing())
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(errorReporting())
  .handler(async (event: unknown) => {
    const now = new Date();
    const runId = randomUUID();
    const summary = fanOut
      ? await keySweepAcrossAccounts(event, fanOut, now, runId)
      : await keySweep(event, { config, clients, now }, { runId });
    const idc = await sweepIdentityCenter(
      parseSweepInput(event),
      { config, clients, identityCenter, now },
      runId,
    );
    // The heartbeat: a sweep that completed, whatever it found (no sweep in 26 hours alarms).
    recordSweepCompleted();
    return idc ? { ...summary, identityCenter: idc } : summary;
  });
