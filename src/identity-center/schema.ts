import * as z from 'zod';

/**
 * What the Identity Center revocation stores and reads back, as zod schemas (the types derive from them): a
 * record read from the state table is parsed with these, never cast, so an item of another shape, or naming ids
 * that cannot be Identity Store user ids, is refused before anything acts on it.
 */

const text = z.string();

/** An Identity Store user id, as the API reference patterns it (a UUID, optionally prefixed by 10 hex digits). */
export const USER_ID_PATTERN =
  /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
export const userIdSchema = z.string().regex(USER_ID_PATTERN, 'must be an Identity Store user id');
/**
 * A permission set ARN: `arn:<partition>:sso:::permissionSet/<instance>/ps-...` (moto spells the resource
 * `instance/...`, also accepted: the ARN is only ever sent back to sso-admin, never built from it).
 */
export const permissionSetArnSchema = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sso:::(permissionSet|instance)\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/,
    'must be a permission set ARN',
  );
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

export const userRefSchema = z.object({ userId: userIdSchema, userName: text });

export const idcUserSchema = userRefSchema.extend({
  displayName: text.optional(),
  emails: z.array(text),
  /** `ExternalIds` of a SCIM-provisioned user (Entra ID, Okta): the identity provider owns the user. */
  externalIds: z.array(z.object({ issuer: text, id: text })),
});

export const assignmentSchema = z.object({ accountId, permissionSetArn: permissionSetArnSchema });
export const membershipSchema = z.object({ membershipId: text, groupId: text });

export const idcSnapshotSchema = z.object({
  kind: z.literal('idc-user'),
  takenAt: text,
  identityStoreId: text,
  instanceArn: text,
  user: idcUserSchema,
  /** The user's direct account assignments (PrincipalType USER). */
  assignments: z.array(assignmentSchema),
  memberships: z.array(membershipSchema),
  /** Each group's account assignments (PrincipalType GROUP): access the memberships give. */
  groupAssignments: z.array(z.object({ groupId: text, assignments: z.array(assignmentSchema) })),
  /** Every permission set the user can use: its inline policy (null: none) and the accounts it is provisioned to. */
  permissionSets: z.array(
    z.object({
      permissionSetArn: permissionSetArnSchema,
      inlinePolicy: text.nullable(),
      accounts: z.array(accountId),
    }),
  ),
  notes: z.array(text),
});

const planned = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) =>
  z.object({
    type: z.literal(type),
    ...shape,
    id: text,
    state: z.enum(['todo', 'already', 'skip']),
    reason: text.optional(),
  });

const onPermissionSet = { permissionSetArn: permissionSetArnSchema };
const onAssignment = { accountId, permissionSetArn: permissionSetArnSchema };

/** Every step of a revocation (deny, provision, delete) and of a restore (create, lift, provision). */
export const idcStepSchema = z.discriminatedUnion('type', [
  planned('deny-permission-set', onPermissionSet),
  planned('provision-permission-set', onPermissionSet),
  planned('delete-account-assignment', onAssignment),
  planned('delete-group-membership', { membershipId: text, groupId: text }),
  planned('create-group-membership', { groupId: text }),
  planned('create-account-assignment', onAssignment),
  planned('lift-deny-permission-set', onPermissionSet),
]);

export const idcStepTypeSchema = z.enum([
  'deny-permission-set',
  'provision-permission-set',
  'delete-account-assignment',
  'delete-group-membership',
  'create-group-membership',
  'create-account-assignment',
  'lift-deny-permission-set',
]);

export const idcStepResultSchema = z.object({
  id: text,
  type: idcStepTypeSchema,
  subject: text,
  outcome: z.enum(['done', 'already', 'planned', 'skipped', 'failed']),
  detail: text.optional(),
  error: text.optional(),
  durationMs: z.number().optional(),
});

const callerSchema = z.discriminatedUnion('verified', [
  z.object({ verified: z.literal(true), via: z.literal('http-api'), arn: text }),
  z.object({ verified: z.literal(false), via: z.literal('direct-invoke') }),
]);
const common = {
  runId: text,
  at: text,
  user: userRefSchema,
  requestedBy: text,
  caller: callerSchema.optional(),
  reason: text,
};

export const idcRevocationRecordSchema = z.object({
  kind: z.literal('idc-revocation'),
  ...common,
  trigger: z.enum(['departure', 'lockdown', 'sweep', 'restore']),
  mode: z.enum(['departure', 'lockdown']),
  snapshot: idcSnapshotSchema,
  plan: z.array(idcStepSchema),
  status: z.enum(['started', 'finished']),
  outcome: z.enum(['revoked', 'partial', 'failed', 'protected', 'not-found', 'planned']).optional(),
  results: z.array(idcStepResultSchema).optional(),
});

export const idcRestoreRecordSchema = z.object({
  kind: z.literal('idc-restore'),
  ...common,
  undoes: z.array(text),
  outcome: z.enum(['restored', 'partial', 'failed']),
  results: z.array(idcStepResultSchema),
});

/** When an id entered the managed statements: what pruning and the drift check decide from. */
export const revokedUserEntrySchema = z.object({
  kind: z.literal('idc-revoked-user'),
  userId: userIdSchema,
  userName: text,
  runId: text,
  at: text,
});

export const idcRecordSchema = z.discriminatedUnion('kind', [
  idcRevocationRecordSchema,
  idcRestoreRecordSchema,
  revokedUserEntrySchema,
]);

export type IdcUser = z.infer<typeof idcUserSchema>;
export type IdcUserRef = z.infer<typeof userRefSchema>;
export type IdcAssignment = z.infer<typeof assignmentSchema>;
export type IdcMembership = z.infer<typeof membershipSchema>;
export type IdcSnapshot = z.infer<typeof idcSnapshotSchema>;
export type IdcStep = z.infer<typeof idcStepSchema>;
export type IdcStepType = IdcStep['type'];
export type IdcStepResult = z.infer<typeof idcStepResultSchema>;
export type IdcRevocationRecord = z.infer<typeof idcRevocationRecordSchema>;
export type IdcRestoreRecord = z.infer<typeof idcRestoreRecordSchema>;
export type RevokedUserEntry = z.infer<typeof revokedUserEntrySchema>;
export type IdcRecord = z.infer<typeof idcRecordSchema>;
