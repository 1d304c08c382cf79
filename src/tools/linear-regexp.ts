/**
 * The regular-expression engine ajv uses for `pattern`, `patternProperties` and `propertyNames`
 * in tool schemas: RE2 (the pure-JS port re2js), whose matching time is linear in the input. The
 * model writes the text these patterns are matched against, so a backtracking engine would let a
 * crafted argument hold the page's thread for seconds on a pattern such as `^(a+)+$`.
 */
import type { Options } from 'ajv';
import { RE2JS } from 're2js';

/**
 * Compiles an ECMAScript pattern for RE2. Throws (ajv then refuses the schema) for a pattern that
 * is not valid JavaScript with the `u` flag, or that RE2 cannot match in linear time
 * (backreferences, lookaround): those have no bounded-cost equivalent.
 */
function compileLinear(pattern: string): { test(text: string): boolean; toString(): string } {
  let re2: RE2JS;
  try {
    // Checked as JavaScript first: RE2 accepts some syntax JavaScript does not. Compiling is linear
    // in the pattern; this RegExp never runs on the model's text.
    new RegExp(pattern, 'u');
    // re2js turns `\k<name>` into the literal text "k<name>": refuse it rather than match something else.
    if (/\\k</.test(pattern)) throw new SyntaxError('a backreference');
    re2 = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SyntaxError(`pattern ${JSON.stringify(pattern)} is refused (patterns are matched by RE2 in linear time: valid JavaScript, no backreferences, no lookaround): ${reason}`);
  }
  // ajv caches compiled patterns under toString(): it must differ between patterns.
  return { test: (text) => re2.test(text), toString: () => `/${pattern}/u` };
}

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

export const linearRegExp: RegExpEngine = Object.assign((pattern: string) => compileLinear(pattern), { code: 'linearRegExp' });

/** A linear-time matcher for a fixed pattern of this module's own (format checks). */
export function linearMatcher(pattern: string, caseInsensitive = false): (text: string) => boolean {
  const re2 = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  return (text) => re2.test(text);
}
