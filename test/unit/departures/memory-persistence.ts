import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * An in-memory idempotency store with DynamoDB's conditional-put semantics (not a test file): a key can be
 * taken when it is free, expired, or in progress past its in-progress expiry.
 */
export class MemoryPersistence extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(key: string): Promise<IdempotencyRecord> {
    const r = this.records.get(key);
    if (!r) throw new IdempotencyItemNotFoundError(key);
    return r;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const old = this.records.get(record.idempotencyKey);
    const free =
      !old ||
      old.getStatus() === IdempotencyRecordStatus.EXPIRED ||
      (old.getStatus() === IdempotencyRecordStatus.INPROGRESS &&
        old.inProgressExpiryTimestamp !== undefined &&
        old.inProgressExpiryTimestamp < Date.now());
    if (!free) throw new IdempotencyItemAlreadyExistsError(`exists: ${record.idempotencyKey}`, old);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
