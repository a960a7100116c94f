// Request parameters come from the client: checked before use, so that a missing or forged field is answered
// InvalidParams, and an unexpected failure InternalError with a sentence, never a JavaScript error text.
import { ErrorCodes, ResponseError, type Position, type Range } from 'vscode-languageserver/node';

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0x7fffffff;

export function isPosition(x: unknown): x is Position {
  return !!x && typeof x === 'object' && isIndex((x as Position).line) && isIndex((x as Position).character);
}

export function isRange(x: unknown): x is Range {
  return !!x && typeof x === 'object' && isPosition((x as Range).start) && isPosition((x as Range).end);
}

/** The document URI of `{ textDocument: { uri } }` params. */
export function documentUri(params: unknown, method: string): string {
  const uri = (params as { textDocument?: { uri?: unknown } } | null)?.textDocument?.uri;
  if (typeof uri !== 'string') throw invalidParams(method, 'textDocument.uri must be a string');
  return uri;
}

export function invalidParams(method: string, why: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `${method}: ${why}`);
}

/**
 * A request handler that answers InvalidParams for what the checks above throw, and, for anything else, logs the
 * stack and answers InternalError with a sentence that names the request (the stack stays in the log).
 */
export function guarded<A extends unknown[], R>(method: string, log: (line: string) => void, handler: (...args: A) => Promise<R> | R) {
  return async (...args: A): Promise<R | ResponseError<void>> => {
    try {
      return await handler(...args);
    } catch (e) {
      if (e instanceof ResponseError) return e as ResponseError<void>;
      log(`Kube IP Guard: ${method} failed: ${(e as Error)?.stack ?? e}`);
      return new ResponseError(ErrorCodes.InternalError, `Kube IP Guard could not answer ${method}; its log says why.`);
    }
  };
}
