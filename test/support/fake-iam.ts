import {
  AddUserToGroupCommand,
  type AddUserToGroupCommandInput,
  AttachUserPolicyCommand,
  type AttachUserPolicyCommandInput,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  DeactivateMFADeviceCommand,
  type DeactivateMFADeviceCommandInput,
  DeleteLoginProfileCommand,
  type DeleteLoginProfileCommandInput,
  DeleteUserPolicyCommand,
  type DeleteUserPolicyCommandInput,
  DetachUserPolicyCommand,
  type DetachUserPolicyCommandInput,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  type GetAccessKeyLastUsedCommandInput,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandInput,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  type GetLoginProfileCommandInput,
  GetUserCommand,
  type GetUserCommandInput,
  LimitExceededException,
  ListAccessKeysCommand,
  type ListAccessKeysCommandInput,
  ListAttachedUserPoliciesCommand,
  type ListAttachedUserPoliciesCommandInput,
  ListGroupsForUserCommand,
  type ListGroupsForUserCommandInput,
  ListMFADevicesCommand,
  type ListMFADevicesCommandInput,
  ListServiceSpecificCredentialsCommand,
  type ListServiceSpecificCredentialsCommandInput,
  ListSigningCertificatesCommand,
  type ListSigningCertificatesCommandInput,
  ListSSHPublicKeysCommand,
  type ListSSHPublicKeysCommandInput,
  ListUserPoliciesCommand,
  type ListUserPoliciesCommandInput,
  ListUsersCommand,
  type ListUsersCommandInput,
  ListUserTagsCommand,
  type ListUserTagsCommandInput,
  NoSuchEntityException,
  PutUserPolicyCommand,
  type PutUserPolicyCommandInput,
  RemoveUserFromGroupCommand,
  type RemoveUserFromGroupCommandInput,
  TagUserCommand,
  type TagUserCommandInput,
  UpdateAccessKeyCommand,
  type UpdateAccessKeyCommandInput,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';

/**
 * One stateful fake IAM account for unit tests, answering through an aws-sdk-client-mock stub of `IAMClient`.
 *
 * It holds users (path, keys with status, creation and last use, attached and inline policies, groups, login
 * profile, MFA devices, tags) and answers every IAM command the code sends about them from that state:
 * `GetUser`, the `List*` reads (paginated with `Marker`/`MaxItems` as IAM does, 100 items a page unless told),
 * `ListUsers`, `GetAccountAuthorizationDetails`, `GetAccessKeyLastUsed`, and the credential report
 * (`GenerateCredentialReport`/`GetCredentialReport`, a CSV built from the state when it is generated). Writes
 * (`UpdateAccessKey`, `Attach`/`DetachUserPolicy`, `Put`/`DeleteUserPolicy`, `AddUserToGroup`/
 * `RemoveUserFromGroup`, `DeleteLoginProfile`, `DeactivateMFADevice`, `TagUser`) change the state, so a
 * verification by re-reading sees what was written; IAM's per-user quotas (10 managed policies, 10 groups) are
 * `LimitExceeded`. A user or key it does not hold is IAM's `NoSuchEntity`. Faults are injected with
 * {@link FakeIam.fail}, and calls watched with {@link FakeIam.observe}.
 *
 * The state is live: {@link FakeIam.addUser} and {@link FakeIam.user} return the objects the fake answers
 * from, so a test can change IAM "behind the code's back" (rotate a key after the report, delete a user).
 */

export const ACCOUNT = '123456789012';
export const NOW = new Date('2026-11-29T12:00:00.000Z');

export const noSuchEntity = (message = 'not found') => new NoSuchEntityException({ message, $metadata: {} });
const limitExceeded = (message: string) => new LimitExceededException({ message, $metadata: {} });

/** An access key as the fake holds it. */
export interface FakeAccessKey {
  id: string;
  /** Default `Active`. */
  status?: 'Active' | 'Inactive';
  /** `CreateDate` (the report's `last_rotated`); the account's `keyCreated` when absent. */
  created?: Date;
  /** Last use; `null` when never used; the account's `keyLastUsed` when absent. */
  lastUsed?: Date | null;
}

/** An IAM user as the fake holds it. */
export interface FakeIamUser {
  userName: string;
  /** Default `/`. */
  path?: string;
  /** At most two, as IAM allows; the report's slots 1 and 2 in this order. */
  keys?: FakeAccessKey[];
  /** Managed policy ARNs. */
  attached?: string[];
  /** Inline policy names. */
  inline?: string[];
  /** Names of the groups the user is a member of. */
  groups?: string[];
  loginProfile?: boolean;
  /** MFA device serial numbers. */
  mfa?: string[];
  tags?: Record<string, string>;
}

/** The listings the fake pages, by command name. */
export type PagedCommand =
  | 'ListAccessKeys'
  | 'ListAttachedUserPolicies'
  | 'ListGroupsForUser'
  | 'ListUserPolicies'
  | 'ListUserTags'
  | 'ListMFADevices'
  | 'ListSSHPublicKeys'
  | 'ListSigningCertificates'
  | 'ListUsers'
  | 'GetAccountAuthorizationDetails';

export interface FakeIamOptions {
  /** The account's clock: a credential report younger than 4 hours is current. Default {@link NOW}. */
  readonly now?: Date;
  /** `GeneratedTime` of the reports the fake generates by itself. Default `now`. */
  readonly reportAt?: Date;
  /**
   * How many `GenerateCredentialReport` calls a new report takes: 0 (default) answers `COMPLETE` at once;
   * n answers `STARTED`, then `INPROGRESS` until the n+1th call, which answers `COMPLETE`; `Infinity` never ends.
   */
  readonly reportPolls?: number;
  /** True when the root user has an active access key (its row of the report). */
  readonly rootAccessKey?: boolean;
  /** Items per page (IAM's default `MaxItems`, 100, unless told); a request's `MaxItems` wins. */
  readonly pageSize?: Partial<Record<PagedCommand, number>>;
  /** Defaults of keys created without dates. */
  readonly keyCreated?: Date;
  readonly keyLastUsed?: Date | null;
  /** Every user's creation date. */
  readonly userCreated?: Date;
  /**
   * IAM's quotas per user: managed policies attached (default 10) and groups (default 10); one more is
   * `LimitExceeded`.
   */
  readonly managedPolicyQuota?: number;
  readonly groupQuota?: number;
}

/** A credential report as the fake generated it. */
export interface FakeCredentialReport {
  readonly csv: string;
  readonly generatedAt: Date;
}

/** The credential report's columns, as IAM writes them. */
export const CREDENTIAL_REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** IAM answers `COMPLETE` at once while a report younger than this exists. */
const REPORT_FRESH_MS = 4 * 3_600_000;

/** A report date: ISO to the second, `+00:00`. */
const reportIso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
const ROOT_CREATED = '2020-01-01T00:00:00+00:00';
/** An empty key slot, and the two certificate slots (the fake holds no signing certificate). */
const NO_KEY = ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
const NO_CERTS = ['false', 'N/A', 'false', 'N/A'];
/** A CSV field, quoted when it must be. */
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** A command class, whatever its input and output. */
type CommandClass = { readonly name: string };
type Input = Record<string, unknown>;
type Handler = (input: never) => unknown;

/** What the fake needs of an aws-sdk-client-mock stub of `IAMClient`. */
interface LooseStub {
  on(command: unknown, input?: unknown): { callsFake(fn: (input: Input) => Promise<unknown>): unknown };
}

interface Fault {
  readonly command: string;
  readonly error: () => Error;
  readonly input: Input;
  times: number;
}

const nameOf = (command: CommandClass) => command.name.replace(/Command$/, '');

export class FakeIam {
  private readonly users = new Map<string, FakeIamUser>();
  private readonly faults: Fault[] = [];
  private readonly observers: ((command: string, input: Input) => void)[] = [];
  private report?: FakeCredentialReport;
  private generating?: { polls: number };
  private readonly now: Date;

  constructor(private readonly options: FakeIamOptions = {}) {
    this.now = options.now ?? NOW;
  }

  /** Adds a user (a copy of `user`); returns the live state the fake answers from. */
  addUser(user: FakeIamUser): FakeIamUser {
    const state = structuredClone(user);
    this.users.set(user.userName, state);
    return state;
  }

  addUsers(users: readonly FakeIamUser[]): this {
    for (const u of users) this.addUser(u);
    return this;
  }

  /** The live state of a user. @throws NoSuchEntity when the account has no such user. */
  user(userName: string): FakeIamUser {
    const u = this.users.get(userName);
    if (!u) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    return u;
  }

  /** Deletes a user (what a report generated before still shows). */
  deleteUser(userName: string): this {
    this.users.delete(userName);
    return this;
  }

  arnOf(user: Pick<FakeIamUser, 'userName' | 'path'>): string {
    return `arn:aws:iam::${ACCOUNT}:user${user.path ?? '/'}${user.userName}`;
  }

  /** The credential report CSV of the state now: root first, then each user in the order added. */
  reportCsv(): string {
    const rows = [this.rootRow(), ...[...this.users.values()].map((u) => this.reportRow(u))];
    return [CREDENTIAL_REPORT_HEADER, ...rows.map((r) => r.map(csvField).join(','))].join('\n');
  }

  /** Generates the credential report from the state now; later changes are not in it until the next one. */
  generateReport(at: Date = this.options.reportAt ?? this.now): FakeCredentialReport {
    this.report = { csv: this.reportCsv(), generatedAt: at };
    return this.report;
  }

  /**
   * Makes every call of `command` (with `input`'s fields, when given) fail with `error`, `times` times
   * (default: every time), before the state is read or changed.
   */
  fail(
    command: CommandClass,
    error: Error | (() => Error),
    options: { input?: Input; times?: number } = {},
  ): this {
    this.faults.push({
      command: nameOf(command),
      error: typeof error === 'function' ? error : () => error,
      input: options.input ?? {},
      times: options.times ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** Calls `listener` with each command's name (`UpdateAccessKey`) and input, before it is answered. */
  observe(listener: (command: string, input: Input) => void): this {
    this.observers.push(listener);
    return this;
  }

  /** Answers every IAM command the code sends, for the whole account (any user, any key). */
  answer(stub: unknown): this {
    const on = stub as LooseStub;
    for (const [command, handler] of this.handlers())
      on.on(command).callsFake(this.dispatch(command, handler));
    return this;
  }

  /**
   * Answers the commands about one user only (matched on `UserName`, and `GetAccessKeyLastUsed` on the ids of
   * its keys now): other users and the account-wide commands stay as the stub otherwise answers them.
   */
  answerFor(stub: unknown, userName: string): this {
    const on = stub as LooseStub;
    const byUser = new Set(USER_COMMANDS.map(nameOf));
    for (const [command, handler] of this.handlers()) {
      if (byUser.has(nameOf(command)))
        on.on(command, { UserName: userName }).callsFake(this.dispatch(command, handler));
    }
    for (const k of this.user(userName).keys ?? []) {
      on.on(GetAccessKeyLastUsedCommand, { AccessKeyId: k.id }).callsFake(
        this.dispatch(GetAccessKeyLastUsedCommand, (i: GetAccessKeyLastUsedCommandInput) => this.lastUse(i)),
      );
    }
    return this;
  }

  private dispatch(command: CommandClass, handler: Handler) {
    const name = nameOf(command);
    return async (input: Input) => {
      for (const listener of this.observers) listener(name, input);
      const fault = this.faults.find(
        (f) => f.command === name && f.times > 0 && Object.entries(f.input).every(([k, v]) => input[k] === v),
      );
      if (fault) {
        fault.times--;
        throw fault.error();
      }
      return (handler as (input: Input) => unknown)(input);
    };
  }

  private userCreated(): Date {
    return this.options.userCreated ?? new Date('2025-01-01T00:00:00Z');
  }

  /** A key's five columns of the report (active, last rotated, last used date, region, service). */
  private reportSlot(k: FakeAccessKey | undefined): string[] {
    if (!k) return NO_KEY;
    const used = this.lastUsedOf(k);
    return [
      k.status === 'Inactive' ? 'false' : 'true',
      reportIso(this.createdOf(k)),
      ...(used === null ? ['N/A', 'N/A', 'N/A'] : [reportIso(used), 'us-east-1', 's3']),
    ];
  }

  private rootRow(): string[] {
    const key = this.options.rootAccessKey ? ['true', ROOT_CREATED, 'N/A', 'N/A', 'N/A'] : NO_KEY;
    const root = ['<root_account>', `arn:aws:iam::${ACCOUNT}:root`, ROOT_CREATED];
    const password = ['not_supported', 'N/A', 'not_supported', 'not_supported', 'true'];
    return [...root, ...password, ...key, ...NO_KEY, ...NO_CERTS];
  }

  private reportRow(u: FakeIamUser): string[] {
    const created = reportIso(this.userCreated());
    const password = u.loginProfile ? ['true', 'N/A', created, 'N/A'] : ['false', 'N/A', 'N/A', 'N/A'];
    const mfa = u.mfa?.length ? 'true' : 'false';
    const keys = [...this.reportSlot(u.keys?.[0]), ...this.reportSlot(u.keys?.[1])];
    return [u.userName, this.arnOf(u), created, ...password, mfa, ...keys, ...NO_CERTS];
  }

  private createdOf(k: FakeAccessKey): Date {
    return k.created ?? this.options.keyCreated ?? new Date('2025-06-01T00:00:00Z');
  }

  private lastUsedOf(k: FakeAccessKey): Date | null {
    if (k.lastUsed !== undefined) return k.lastUsed;
    return this.options.keyLastUsed === undefined
      ? new Date('2026-11-01T00:00:00Z')
      : this.options.keyLastUsed;
  }

  /** One page of `items`, IAM style: `Marker` is the index of the next item. */
  private page<T>(command: PagedCommand, items: readonly T[], input: { Marker?: string; MaxItems?: number }) {
    const size = input.MaxItems ?? this.options.pageSize?.[command] ?? 100;
    const start = Number(input.Marker ?? 0);
    const more = start + size < items.length;
    return {
      items: items.slice(start, start + size),
      IsTruncated: more,
      ...(more ? { Marker: String(start + size) } : {}),
    };
  }

  private key(userName: string, accessKeyId: string): FakeAccessKey {
    const key = this.user(userName).keys?.find((k) => k.id === accessKeyId);
    if (!key) throw noSuchEntity('no such key');
    return key;
  }

  private lastUse(i: GetAccessKeyLastUsedCommandInput) {
    for (const u of this.users.values()) {
      const k = u.keys?.find((x) => x.id === i.AccessKeyId);
      if (!k) continue;
      const used = this.lastUsedOf(k);
      return {
        UserName: u.userName,
        AccessKeyLastUsed:
          used === null
            ? { ServiceName: 'N/A', Region: 'N/A' }
            : { LastUsedDate: used, ServiceName: 's3', Region: 'us-east-1' },
      };
    }
    throw noSuchEntity(`The Access Key with id ${i.AccessKeyId} cannot be found`);
  }

  /** IAM's GenerateCredentialReport: `COMPLETE` while a current report exists, else a new one (see `reportPolls`). */
  private generate() {
    const r = this.report;
    if (r && !this.generating && this.now.getTime() - r.generatedAt.getTime() < REPORT_FRESH_MS) {
      return { State: 'COMPLETE' };
    }
    const polls = this.options.reportPolls ?? 0;
    if (!this.generating) {
      if (polls <= 0) {
        this.generateReport();
        return { State: 'COMPLETE' };
      }
      this.generating = { polls: 0 };
      return { State: 'STARTED' };
    }
    this.generating.polls++;
    if (this.generating.polls < polls) return { State: 'INPROGRESS' };
    this.generating = undefined;
    this.generateReport();
    return { State: 'COMPLETE' };
  }

  /** IAM's GetCredentialReport: the last report generated, whatever its age; none yet is `ReportNotPresent`. */
  private getReport() {
    if (this.generating)
      throw new CredentialReportNotReadyException({ message: 'in progress', $metadata: {} });
    if (!this.report) throw new CredentialReportNotPresentException({ message: 'no report', $metadata: {} });
    return {
      Content: new TextEncoder().encode(this.report.csv),
      GeneratedTime: this.report.generatedAt,
      ReportFormat: 'text/csv',
    };
  }

  private userDetails(i: GetAccountAuthorizationDetailsCommandInput) {
    const users = i.Filter && !i.Filter.includes('User') ? [] : [...this.users.values()];
    const p = this.page('GetAccountAuthorizationDetails', users, i);
    return {
      UserDetailList: p.items.map((u) => ({
        ...this.getUser({ UserName: u.userName }).User,
        Tags: this.tagList(u),
        AttachedManagedPolicies: this.attachedList(u),
        UserPolicyList: (u.inline ?? []).map((PolicyName) => ({ PolicyName })),
        GroupList: u.groups ?? [],
      })),
      IsTruncated: p.IsTruncated,
      ...(p.Marker ? { Marker: p.Marker } : {}),
    };
  }

  private getUser(i: GetUserCommandInput) {
    const u = this.user(i.UserName ?? '');
    return {
      User: {
        UserName: u.userName,
        UserId: `AIDA${u.userName.toUpperCase()}`,
        Arn: this.arnOf(u),
        Path: u.path ?? '/',
        CreateDate: this.userCreated(),
      },
    };
  }

  private tagList = (u: FakeIamUser) => Object.entries(u.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  private attachedList = (u: FakeIamUser) =>
    (u.attached ?? []).map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() }));

  /** A paged listing of one user's items, under the output's field name. */
  private listing<T>(
    command: PagedCommand,
    field: string,
    items: readonly T[],
    input: { Marker?: string; MaxItems?: number },
  ) {
    const p = this.page(command, items, input);
    return { [field]: p.items, IsTruncated: p.IsTruncated, ...(p.Marker ? { Marker: p.Marker } : {}) };
  }

  /** Each command the fake answers, with its answer. */
  private handlers(): [CommandClass, Handler][] {
    const u = (i: { UserName?: string }) => this.user(i.UserName ?? '');
    // The fake holds no SSH key, signing certificate or service credential (the user must exist, though).
    const none = (_user: FakeIamUser): never[] => [];
    const gone = (what: string) => () => {
      throw noSuchEntity(`no such ${what}`);
    };
    return [
      [GetUserCommand, (i: GetUserCommandInput) => this.getUser(i)],
      [
        ListAttachedUserPoliciesCommand,
        (i: ListAttachedUserPoliciesCommandInput) =>
          this.listing('ListAttachedUserPolicies', 'AttachedPolicies', this.attachedList(u(i)), i),
      ],
      [
        ListUserPoliciesCommand,
        (i: ListUserPoliciesCommandInput) =>
          this.listing('ListUserPolicies', 'PolicyNames', u(i).inline ?? [], i),
      ],
      [
        ListAccessKeysCommand,
        (i: ListAccessKeysCommandInput) => {
          const user = u(i);
          const keys = (user.keys ?? []).map((k) => ({
            AccessKeyId: k.id,
            Status: k.status ?? 'Active',
            UserName: user.userName,
            CreateDate: this.createdOf(k),
          }));
          return this.listing('ListAccessKeys', 'AccessKeyMetadata', keys, i);
        },
      ],
      [
        GetLoginProfileCommand,
        (i: GetLoginProfileCommandInput) => {
          const user = u(i);
          if (!user.loginProfile) throw noSuchEntity('no login profile');
          return { LoginProfile: { UserName: user.userName, CreateDate: this.now } };
        },
      ],
      [
        ListMFADevicesCommand,
        (i: ListMFADevicesCommandInput) => {
          const user = u(i);
          const devices = (user.mfa ?? []).map((SerialNumber) => ({
            SerialNumber,
            UserName: user.userName,
            EnableDate: this.now,
          }));
          return this.listing('ListMFADevices', 'MFADevices', devices, i);
        },
      ],
      [
        ListSSHPublicKeysCommand,
        (i: ListSSHPublicKeysCommandInput) =>
          this.listing('ListSSHPublicKeys', 'SSHPublicKeys', none(u(i)), i),
      ],
      [
        ListSigningCertificatesCommand,
        (i: ListSigningCertificatesCommandInput) =>
          this.listing('ListSigningCertificates', 'Certificates', none(u(i)), i),
      ],
      [
        ListServiceSpecificCredentialsCommand,
        (i: ListServiceSpecificCredentialsCommandInput) => ({ ServiceSpecificCredentials: none(u(i)) }),
      ],
      [
        ListUserTagsCommand,
        (i: ListUserTagsCommandInput) => this.listing('ListUserTags', 'Tags', this.tagList(u(i)), i),
      ],
      [GetAccessKeyLastUsedCommand, (i: GetAccessKeyLastUsedCommandInput) => this.lastUse(i)],
      [
        AttachUserPolicyCommand,
        (i: AttachUserPolicyCommandInput) => {
          const user = u(i);
          const attached = user.attached ?? [];
          const quota = this.options.managedPolicyQuota ?? 10;
          if (!attached.includes(i.PolicyArn ?? '') && attached.length >= quota)
            throw limitExceeded(`Cannot exceed quota for PoliciesPerUser: ${quota}`);
          user.attached = [...new Set([...attached, i.PolicyArn ?? ''])];
          return {};
        },
      ],
      [
        ListGroupsForUserCommand,
        (i: ListGroupsForUserCommandInput) => {
          const groups = (u(i).groups ?? []).map((GroupName) => ({
            GroupName,
            GroupId: `AGPA${GroupName.toUpperCase()}`,
            Arn: `arn:aws:iam::${ACCOUNT}:group/${GroupName}`,
            Path: '/',
            CreateDate: this.userCreated(),
          }));
          return this.listing('ListGroupsForUser', 'Groups', groups, i);
        },
      ],
      [
        AddUserToGroupCommand,
        (i: AddUserToGroupCommandInput) => {
          const user = u(i);
          const groups = user.groups ?? [];
          if (!groups.includes(i.GroupName ?? '') && groups.length >= (this.options.groupQuota ?? 10))
            throw limitExceeded(`Cannot exceed quota for GroupsPerUser: ${this.options.groupQuota ?? 10}`);
          user.groups = [...new Set([...groups, i.GroupName ?? ''])];
          return {};
        },
      ],
      [
        RemoveUserFromGroupCommand,
        (i: RemoveUserFromGroupCommandInput) => {
          const user = u(i);
          if (!user.groups?.includes(i.GroupName ?? '')) throw noSuchEntity('not a member of the group');
          user.groups = user.groups.filter((g) => g !== i.GroupName);
          return {};
        },
      ],
      [
        DetachUserPolicyCommand,
        (i: DetachUserPolicyCommandInput) => {
          const user = u(i);
          if (!user.attached?.includes(i.PolicyArn ?? '')) throw noSuchEntity('not attached');
          user.attached = user.attached.filter((a) => a !== i.PolicyArn);
          return {};
        },
      ],
      [
        PutUserPolicyCommand,
        (i: PutUserPolicyCommandInput) => {
          const user = u(i);
          user.inline = [...new Set([...(user.inline ?? []), i.PolicyName ?? ''])];
          return {};
        },
      ],
      [
        DeleteUserPolicyCommand,
        (i: DeleteUserPolicyCommandInput) => {
          const user = u(i);
          if (!user.inline?.includes(i.PolicyName ?? '')) throw noSuchEntity('no such inline policy');
          user.inline = user.inline.filter((n) => n !== i.PolicyName);
          return {};
        },
      ],
      [
        UpdateAccessKeyCommand,
        (i: UpdateAccessKeyCommandInput) => {
          this.key(i.UserName ?? '', i.AccessKeyId ?? '').status = i.Status as 'Active' | 'Inactive';
          return {};
        },
      ],
      [
        DeleteLoginProfileCommand,
        (i: DeleteLoginProfileCommandInput) => {
          const user = u(i);
          if (!user.loginProfile) throw noSuchEntity('no login profile');
          user.loginProfile = false;
          return {};
        },
      ],
      [
        DeactivateMFADeviceCommand,
        (i: DeactivateMFADeviceCommandInput) => {
          const user = u(i);
          user.mfa = (user.mfa ?? []).filter((s) => s !== i.SerialNumber);
          return {};
        },
      ],
      [
        TagUserCommand,
        (i: TagUserCommandInput) => {
          const user = u(i);
          user.tags = { ...user.tags, ...Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value])) };
          return {};
        },
      ],
      // The fake holds no SSH key, signing certificate or service credential.
      [UpdateSSHPublicKeyCommand, gone('SSH public key')],
      [UpdateSigningCertificateCommand, gone('signing certificate')],
      [UpdateServiceSpecificCredentialCommand, gone('service-specific credential')],
      [GenerateCredentialReportCommand, () => this.generate()],
      [GetCredentialReportCommand, () => this.getReport()],
      [
        ListUsersCommand,
        (i: ListUsersCommandInput) => {
          const users = [...this.users.values()].map((x) => this.getUser({ UserName: x.userName }).User);
          return this.listing('ListUsers', 'Users', users, i);
        },
      ],
      [
        GetAccountAuthorizationDetailsCommand,
        (i: GetAccountAuthorizationDetailsCommandInput) => this.userDetails(i),
      ],
    ];
  }
}

/** The commands about one user that `answerFor` answers (what `answerUser` always answered), in that order. */
const USER_COMMANDS: readonly CommandClass[] = [
  GetUserCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListAccessKeysCommand,
  GetLoginProfileCommand,
  ListMFADevicesCommand,
  ListSSHPublicKeysCommand,
  ListSigningCertificatesCommand,
  ListServiceSpecificCredentialsCommand,
  ListUserTagsCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  PutUserPolicyCommand,
  DeleteUserPolicyCommand,
  UpdateAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeactivateMFADeviceCommand,
  TagUserCommand,
  // Group membership (the deny group): not answered before the fake; nothing relied on their absence.
  ListGroupsForUserCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
];
