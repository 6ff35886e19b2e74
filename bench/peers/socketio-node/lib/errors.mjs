// The peer's one error type, mapped once to an HTTP problem+json and once to a socket ack,
// with the same codes TalkLine uses (src/util/error.hpp).

const kHttpStatus = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  internal: 500,
};

export class AppError extends Error {
  constructor(code, message, fields) {
    super(message);
    this.code = code;
    this.fields = fields;
  }
}

export function invalidArgument(field, message) {
  return new AppError("invalid_argument", "request validation failed", [{ field, message }]);
}

/** The problem+json body and status for an error thrown while serving an HTTP request. */
export function toProblem(err) {
  const known = err instanceof AppError;
  const code = known ? err.code : "internal";
  const status = kHttpStatus[code] ?? 500;
  const problem = { type: "about:blank", title: known ? err.message : "internal error", status, code };
  if (known && err.fields) problem.errors = err.fields;
  return problem;
}

/** The `{ok:false, error}` ack for an error thrown while handling a socket event. */
export function toAckError(err) {
  if (!(err instanceof AppError)) {
    console.error(err);
    return { ok: false, error: { code: "internal", message: "internal error" } };
  }
  const error = { code: err.code, message: err.message };
  if (err.fields) error.fields = err.fields;
  return { ok: false, error };
}
