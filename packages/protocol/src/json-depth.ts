import { LIMITS } from './limits.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * True when the JSON text nests arrays/objects deeper than `max`. A linear,
 * non-recursive scan of the raw text (bytes or string): brackets inside
 * strings do not count. It does not validate the JSON; it only decides
 * whether the text may be handed to a parser and to the recursive code
 * after it (JSON.parse, Ajv, JSON.stringify, jsonb), which overflow the
 * stack on a few kilobytes of `[[[[…` (docs/contract.md §3 G6).
 * UTF-8 multi-byte sequences never contain these ASCII bytes, so scanning
 * bytes is exact.
 */
export function jsonTooDeep(text: string | Uint8Array, max: number = LIMITS.jsonMaxDepth): boolean {
  const isString = typeof text === 'string';
  const n = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = isString ? text.charCodeAt(i) : text[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** The issue a validator reports for a too-deep document. */
export const TOO_DEEP_MESSAGE = `must not nest arrays and objects deeper than ${LIMITS.jsonMaxDepth} levels`;
