import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError } from '../errors';
import { type IdcDeps, type IdcDriftSweep, sweepIdentityCenterDrift } from '../identity-center';
import { logger } from '../logger';
import { idcDriftNotification, publishOrNote } from '../notify';
import type { SweepInput } from './input';

/**
 * The key sweep's Identity Center part (organization-wide, so once per sweep whatever TARGET_ACCOUNTS says):
 * revoked Identity Center users re-checked, drift re-revoked in enforce mode within `SWEEP_MAX_DRIFT`, one
 * notification when something drifted, halted or could not be read. Undefined when Identity Center is not
 * configured (no call at all). A failure is reported, never thrown: the IAM sweep's result stands.
 */
export async function sweepIdentityCenter(
  input: SweepInput,
  deps: {
    readonly config: Config;
    readonly clients: Pick<Clients, 'sns'>;
    readonly identityCenter: (runId: string, now: Date) => Promise<IdcDeps | undefined>;
    readonly now: Date;
  },
  runId: string,
): Promise<IdcDriftSweep | undefined> {
  const notes: string[] = [];
  let result: IdcDriftSweep | undefined;
  try {
    const idc = await deps.identityCenter(runId, deps.now);
    if (!idc) return undefined;
    const enforce = (input.mode ?? deps.config.sweepMode) === 'enforce' && input.dryRun !== true;
    result = await sweepIdentityCenterDrift(idc, {
      enforce,
      maxDrift: deps.config.sweepMaxDrift,
      sweepRunId: runId,
    });
  } catch (err) {
    logger.error('Identity Center drift check failed', { error: describeError(err) });
    result = {
      checked: 0,
      drifted: [],
      halted: false,
      notes: [`Identity Center drift not checked: ${describeError(err)}`],
    };
  }
  if (result.drifted.length || result.halted || result.notes.length) {
    await publishOrNote(
      deps.clients,
      deps.config,
      idcDriftNotification(result, runId, deps.now.toISOString()),
      notes,
    );
  }
  return notes.length ? { ...result, notes: [...result.notes, ...notes] } : result;
}
