// Checks of the package's error type: a failure is an ApothicError (an Error named
// "ApothicError") with a stable `code`, and its message carries no raw control character
// (docs/reliability.md). The class is the caller's: `apothicErrors(ApothicError)` binds them.
import assert from "node:assert/strict";

/** C0, DEL and C1: never raw in a message. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * What a thrown value looks like, for assertion messages.
 * @param {unknown} e
 * @returns {string}
 */
export const describeError = (e) =>
  e instanceof Error ? `${e.name} ${/** @type {any} */ (e).code ?? ""} ${/** @type {any} */ (e).argument ?? ""}: ${e.message}` : String(e);

/**
 * @typedef {object} Expected what an error must carry besides its class
 * @property {string} [code] its `code`
 * @property {string | null} [argument] its `argument` (null: it names none)
 * @property {string[]} [parts] texts its message holds
 * @property {RegExp} [message] a pattern its message matches
 */

/**
 * The checks, bound to the package's ApothicError.
 * @param {new (...args: any[]) => Error} ApothicError the package's class
 */
export function apothicErrors(ApothicError) {
  /**
   * Asserts that `error` is an ApothicError as expected; returns it.
   * @param {unknown} error
   * @param {Expected} [expected]
   * @returns {any}
   */
  function assertApothicError(error, { code, argument, parts = [], message } = {}) {
    assert.ok(error instanceof ApothicError, `not an ApothicError: ${/** @type {any} */ (error)?.stack ?? error}`);
    assert.ok(error instanceof Error, "an ApothicError that is not an Error");
    assert.equal(error.name, "ApothicError");
    const e = /** @type {any} */ (error);
    if (code !== undefined) assert.equal(e.code, code, describeError(e));
    if (argument !== undefined) assert.equal(e.argument ?? null, argument, describeError(e));
    for (const part of parts) assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} lacks ${JSON.stringify(part)}`);
    if (message) assert.match(e.message, message);
    assert.ok(!CONTROL.test(e.message), `raw control character in ${JSON.stringify(e.message)}`);
    return e;
  }

  /**
   * Asserts that `promise` rejects with an ApothicError of `code` whose message holds every `parts`.
   * @param {Promise<unknown>} promise
   * @param {string} code
   * @param {...string} parts
   */
  async function rejects(promise, code, ...parts) {
    await assert.rejects(promise, (error) => {
      assertApothicError(error, { code, parts });
      return true;
    });
  }

  /**
   * Asserts that `call()` throws an ApothicError as expected; returns it.
   * @param {() => unknown} call
   * @param {Expected} [expected]
   */
  function throws(call, expected) {
    try {
      call();
    } catch (error) {
      return assertApothicError(error, expected);
    }
    assert.fail("no error was thrown");
  }

  /**
   * Awaits `promise`, which must reject with an ApothicError as expected; returns the error.
   * @param {Promise<unknown>} promise
   * @param {Expected} [expected]
   */
  async function failure(promise, expected) {
    try {
      await promise;
    } catch (error) {
      return assertApothicError(error, expected);
    }
    assert.fail("the call did not fail");
  }

  return { assertApothicError, rejects, throws, failure };
}
