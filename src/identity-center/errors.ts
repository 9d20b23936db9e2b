import { RevocationError } from '../errors';

/** A permission set's policy lock (the state table's `lock#permission-set` item) was not free within the bounded retries. */
export class PermissionSetBusyError extends RevocationError {}

/**
 * A permission set's inline policy cannot carry the managed statement: it is not a JSON policy document, or it
 * would exceed the inline policy limit even after every prunable id left the statement. Nothing was written.
 */
export class InlinePolicyError extends RevocationError {}
