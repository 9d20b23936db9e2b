import * as z from 'zod';
import { InvalidRequestError } from '../errors';
import { parseOrReject } from '../util/zod';

export type SweepMode = 'report' | 'enforce';

/** What an invocation may ask of the sweep. Both are optional; the configuration decides the rest. */
export interface SweepInput {
  /** Overrides `SWEEP_MODE` for this run. */
  readonly mode?: SweepMode;
  /** Plan only for this run (`DRY_RUN=true` in the configuration wins either way). */
  readonly dryRun?: boolean;
}

const inputSchema = z.strictObject({
  mode: z.enum(['report', 'enforce']).optional(),
  dryRun: z.boolean().optional(),
});

/** The event EventBridge sends on a schedule when the target has no constant input. */
function isScheduledEvent(event: object): boolean {
  const e = event as Record<string, unknown>;
  return e['detail-type'] === 'Scheduled Event' && e.source === 'aws.events';
}

/**
 * Validates the sweep's input before any AWS call: nothing (or a plain scheduled event) means "as
 * configured"; a constant input must be `{ "mode": "report" | "enforce", "dryRun"?: boolean }` and nothing else.
 * @throws InvalidRequestError naming every problem.
 * @example
 * parseSweepInput({ mode: 'enforce' }); // { mode: 'enforce' }
 * parseSweepInput({ mode: 'delete' }); // throws InvalidRequestError: invalid sweep input: mode: ...
 */
export function parseSweepInput(event: unknown): SweepInput {
  if (event === undefined || event === null) return {};
  if (typeof event === 'object' && !Array.isArray(event) && isScheduledEvent(event)) {
    const misplaced = ['mode', 'dryRun'].filter((k) => k in event);
    if (!misplaced.length) return {};
    // A field added to the event itself would be silently ignored: say where it belongs instead.
    throw new InvalidRequestError(
      'invalid sweep input',
      misplaced.map(
        (k) => `${k}: not read from a scheduled event; set the schedule target's input to { "${k}": ... }`,
      ),
    );
  }
  const data = parseOrReject(inputSchema, event, 'sweep input', '(input)');
  return {
    ...(data.mode ? { mode: data.mode } : {}),
    ...(data.dryRun !== undefined ? { dryRun: data.dryRun } : {}),
  };
}
