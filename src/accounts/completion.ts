import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError } from '../errors';
import { logger } from '../logger';
import { recordPublishFailure, recordRun } from '../metrics';
import { ChatDeliveryError, coverageNotification, type NotifyConfig, publish } from '../notify';
import {
  type AccountResult,
  claimNotification,
  coverageSignature,
  readCoverage,
  recordAccount,
  releaseNotification,
} from './coverage';

/** Where a run's coverage is kept and its completion published. */
export interface CoverageSink {
  readonly config: Pick<Config, 'stateTable'> & NotifyConfig;
  readonly clients: Pick<Clients, 'ddb' | 'sns'>;
}

/** Sends the completion notification when every target has reported a state not yet notified. */
async function notifyIfComplete(sink: CoverageSink, runId: string): Promise<void> {
  const store = { ddb: sink.clients.ddb, table: sink.config.stateTable };
  const coverage = await readCoverage(store, runId);
  if (!coverage?.complete) return;
  const signature = coverageSignature(coverage);
  if (coverage.notified === signature || !(await claimNotification(store, runId, signature))) return;
  try {
    await publish(sink.clients, sink.config, coverageNotification(coverage));
  } catch (err) {
    if (!(err instanceof ChatDeliveryError)) {
      await releaseNotification(store, runId, signature).catch(() => undefined);
      throw err;
    }
    // The email and the JSON report went out: only the chat copy failed. Sending the completion again would mail
    // it twice, so the claim stands; the failure is logged and counted (NotificationPublishFailures alarms).
    logger.error('completion chat notification failed', { runId, error: describeError(err) });
    recordPublishFailure();
  }
  // The run across accounts ends here (once: the claim above); a notification retried after a failure is not.
  recordRun('departure', coverage.outcome);
}

/**
 * Records one target's result in the run's coverage (an account, or `identity-center`), then sends the run's
 * one completion notification if it completes the run.
 * DynamoDB: `dynamodb:UpdateItem`, `dynamodb:Query`. SNS: `sns:Publish`.
 */
export async function reportToCoverage(
  sink: CoverageSink,
  runId: string,
  result: Omit<AccountResult, 'attempts'>,
): Promise<void> {
  await recordAccount({ ddb: sink.clients.ddb, table: sink.config.stateTable }, runId, result);
  await notifyIfComplete(sink, runId);
}
