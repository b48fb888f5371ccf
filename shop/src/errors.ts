/**
 * Expected failures: a stable machine `code`, a human `message` and an HTTP status.
 * Services throw these; the one error handler turns them into
 * `{ "error": { "code", "message", "details" } }`. Anything else is a 500 with no details.
 */
export class ShopError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ShopError';
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new ShopError(400, code, message, details);
export const unauthorized = (message = 'Please log in first.') => new ShopError(401, 'UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do that.') => new ShopError(403, 'FORBIDDEN', message);
export const notFound = (what: string) => new ShopError(404, 'NOT_FOUND', `${what} was not found.`);
export const conflict = (code: string, message: string, details?: unknown) => new ShopError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: unknown) => new ShopError(422, code, message, details);
