import { createRequire } from 'node:module';

/**
 * The user pool's pre token generation trigger (infra/lib/constructs/user-pool.ts): Cognito can
 * only make MFA optional or required for a whole pool, so this is where staff must have it. A
 * member of the `staff` group gets no tokens unless they are a pool account (not a social
 * sign-in, whose second factor Cognito leaves to the provider) with an authenticator app (TOTP)
 * turned on. Cognito challenges every user who has turned MFA on at every sign-in, whatever
 * adaptive authentication decides, unless a remembered device skips it, and the pool remembers no
 * devices (Cognito API Reference, SetUserMFAPreference; Developer Guide, "Working with adaptive
 * authentication"), so "TOTP turned on" means "signed in with TOTP". Refresh-token requests run the
 * trigger too: removing a staff member's MFA also ends their refreshes.
 */

/** The group whose members must sign in with MFA; the shop reads it from the `cognito:groups` claim. */
export const staffGroupName = 'staff';

/** The error's stable prefix: Cognito shows it on the sign-in page and passes it to the shop's callback. */
export const staffMfaRequired = 'STAFF_MFA_REQUIRED';

/** The part of the pre token generation event (version 1) the trigger reads; it returns the event unchanged. */
export interface PreTokenGenerationEvent {
  readonly triggerSource: string;
  readonly userPoolId: string;
  readonly userName: string;
  readonly request: {
    readonly userAttributes: Record<string, string>;
    readonly groupConfiguration?: { readonly groupsToOverride?: readonly string[] };
  };
  readonly response: Record<string, unknown>;
}

/** What the trigger needs to know of a user: AdminGetUser's UserStatus and UserMFASettingList. */
export interface UserMfaState {
  readonly status: string;
  readonly mfaSettings: readonly string[];
}

export interface StaffMfaDeps {
  readUser(userPoolId: string, userName: string): Promise<UserMfaState>;
}

export class StaffMfaRequiredError extends Error {
  override readonly name = 'StaffMfaRequiredError';
}

/** Returns the event when tokens may be issued; throws, and Cognito refuses the sign-in, otherwise. */
export async function requireStaffMfa(event: PreTokenGenerationEvent, deps: StaffMfaDeps): Promise<PreTokenGenerationEvent> {
  const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
  if (!groups.includes(staffGroupName)) return event;
  const user = await deps.readUser(event.userPoolId, event.userName);
  if (user.status === 'EXTERNAL_PROVIDER') {
    throw new StaffMfaRequiredError(`${staffMfaRequired}: staff sign in with their Evermall account and its authenticator app, not through a social provider`);
  }
  if (!user.mfaSettings.includes('SOFTWARE_TOKEN_MFA')) {
    throw new StaffMfaRequiredError(`${staffMfaRequired}: staff accounts need an authenticator app (TOTP) turned on before they can sign in`);
  }
  return event;
}

/**
 * The slice of the AWS SDK for JavaScript v3 the function uses, loaded from the Lambda Node.js
 * runtime (Lambda Developer Guide, "Runtime-included SDK versions"), so infra does not depend on it.
 */
interface CognitoSdk {
  CognitoIdentityProviderClient: new (config: object) => { send(command: unknown): Promise<{ UserStatus?: string; UserMFASettingList?: string[] }> };
  AdminGetUserCommand: new (input: { UserPoolId: string; Username: string }) => unknown;
}

const runtimeRequire = createRequire(import.meta.url);

const lambdaDeps: StaffMfaDeps = {
  async readUser(userPoolId, userName) {
    const sdk = runtimeRequire('@aws-sdk/client-cognito-identity-provider') as CognitoSdk;
    const out = await new sdk.CognitoIdentityProviderClient({}).send(new sdk.AdminGetUserCommand({ UserPoolId: userPoolId, Username: userName }));
    return { status: out.UserStatus ?? '', mfaSettings: out.UserMFASettingList ?? [] };
  },
};

export const handler = (event: PreTokenGenerationEvent): Promise<PreTokenGenerationEvent> => requireStaffMfa(event, lambdaDeps);
