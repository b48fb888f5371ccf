import { Type, type Static } from 'typebox';

/**
 * Password rules: at least 8 characters (NIST SP 800-63B §5.1.1.2 minimum for user-chosen
 * secrets) and at most 128, so a huge body cannot make argon2 the bottleneck.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** RFC 5321 caps a forward path at 256 octets, which leaves 254 for the address itself. */
export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 100;

const Email = Type.String({ format: 'email', maxLength: EMAIL_MAX_LENGTH, description: 'Case-insensitive; unique per account' });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      description: 'Refused with WEAK_PASSWORD when blank, common or built from the email or name',
    }),
    name: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: EMAIL_MAX_LENGTH }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const PasswordChangeBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    newPassword: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const User = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
});
export type User = Static<typeof User>;

export const UserBody = Type.Object({ user: User });
