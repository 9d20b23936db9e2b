import * as z from 'zod';
import { ROLE_SESSION_DENY_POLICY_NAME } from './deny';

/**
 * Schemas of what the engine stores and reads back: a record read from the state table is parsed with these,
 * never cast, so an item of another shape is refused before anything acts on it.
 */

const text = z.string();
const owners = z.object({
  exact: z.array(text).optional(),
  prefixes: z.array(text).optional(),
  suffixes: z.array(text).optional(),
});

const planned = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) =>
  z.object({
    type: z.literal(type),
    ...shape,
    id: text,
    state: z.enum(['todo', 'already', 'skip']),
    reason: text.optional(),
  });

export const plannedStepSchema = z.discriminatedUnion('type', [
  planned('attach-deny', { policyArn: text, groupName: text.optional() }),
  // One constant name: a record can never make restore delete another inline policy of a role.
  planned('put-role-session-deny', {
    policyName: z.literal(ROLE_SESSION_DENY_POLICY_NAME),
    issuedBefore: text,
  }),
  planned('deactivate-access-key', { accessKeyId: text }),
  planned('deactivate-ssh-key', { sshPublicKeyId: text }),
  planned('deactivate-signing-certificate', { certificateId: text }),
  planned('deactivate-service-credential', { serviceSpecificCredentialId: text }),
  planned('delete-login-profile', {}),
  planned('deactivate-mfa', { serialNumber: text }),
  planned('terminate-sessions', { region: text, owners, sessionIds: z.array(text) }),
  // Only the project's own tags.
  planned('tag-principal', { tags: z.record(z.string().regex(/^offboarding:/), text) }),
]);

const stepType = z.enum([
  'attach-deny',
  'put-role-session-deny',
  'deactivate-access-key',
  'deactivate-ssh-key',
  'deactivate-signing-certificate',
  'deactivate-service-credential',
  'delete-login-profile',
  'deactivate-mfa',
  'terminate-sessions',
  'tag-principal',
]);

export const stepResultSchema = z.object({
  id: text,
  type: stepType,
  subject: text,
  outcome: z.enum(['done', 'already', 'planned', 'skipped', 'failed']),
  detail: text.optional(),
  error: text.optional(),
  durationMs: z.number().optional(),
});

export const principalRefSchema = z.object({ kind: z.enum(['user', 'role']), name: text, arn: text });

const callerSchema = z.discriminatedUnion('verified', [
  z.object({ verified: z.literal(true), via: z.literal('http-api'), arn: text }),
  z.object({ verified: z.literal(false), via: z.literal('direct-invoke') }),
]);

const trigger = z.enum(['departure', 'lockdown', 'sweep', 'restore']);
const mode = z.enum(['departure', 'lockdown']);
const runOutcome = z.enum(['revoked', 'partial', 'failed', 'protected', 'not-found', 'planned']);

export const revocationRecordSchema = z.object({
  kind: z.literal('revocation'),
  runId: text,
  trigger,
  mode,
  at: text,
  principal: principalRefSchema,
  requestedBy: text,
  caller: callerSchema.optional(),
  reason: text,
  // The snapshot is the operator's evidence, not an instruction: only its kind is relied on.
  snapshot: z.looseObject({ kind: z.enum(['user', 'role']) }),
  plan: z.array(plannedStepSchema),
  status: z.enum(['started', 'finished']),
  outcome: runOutcome.optional(),
  results: z.array(stepResultSchema).optional(),
});

export const restoreRecordSchema = z.object({
  kind: z.literal('restore'),
  runId: text,
  at: text,
  principal: principalRefSchema,
  requestedBy: text,
  caller: callerSchema.optional(),
  reason: text,
  undoes: z.array(text),
  outcome: text,
  results: z.array(stepResultSchema),
});

export const revokedIndexEntrySchema = z.object({
  kind: z.literal('revoked-index'),
  userName: text,
  runId: text,
  at: text,
  trigger,
  mode,
});

export const stateRecordSchema = z.discriminatedUnion('kind', [
  revocationRecordSchema,
  restoreRecordSchema,
  revokedIndexEntrySchema,
]);
