/**
 * Any JWT in `text` once percent-decoded (any number of times, `+` as space).
 * Independent of the product's redactor on purpose: tests judge redaction
 * with their own reading of "a token is in there".
 */
export function jwtsIn(text: string): string[] {
  let v = text;
  for (let i = 0; i < 6; i++) v = v.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return [...v.matchAll(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g)].map((m) => m[0]);
}

/** A token, not a stray `eyJ` in a payload: some JWT in `text` with three parts of real length. */
export function holdsToken(text: string): boolean {
  return jwtsIn(text).some((j) => j.split('.').every((part) => part.length >= 10));
}
