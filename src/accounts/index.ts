/** Reaching the accounts of an organization: targets, per-account credentials, fan-out, coverage, the account worker. */
export {
  ACCESS_PERMISSIONS,
  type AccountAccess,
  AccountUnreachableError,
  accountAccess,
  sessionNameOf,
} from './access';
export { COVERAGE_PARTITION, COVERAGE_PERMISSIONS, type Coverage, readCoverage } from './coverage';
export { departureFanOut, sweepFanOut } from './fanout';
export { TARGET_PERMISSIONS, targetAccounts } from './targets';
export { type AccountWorkItem, parseWorkItem, queueWorkItems, workItemId } from './work';
