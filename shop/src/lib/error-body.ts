import { Type } from 'typebox';

/** The error body every route documents: `{ error: { code, message, details? } }`. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

/** Response schemas for the usual error statuses, to spread into a route's `response`. */
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
