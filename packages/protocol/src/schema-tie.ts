/**
 * Compile-time ties between a JSON Schema's static type and the interface
 * code uses. Mutual assignability alone misses an optional field that one
 * side lacks (`{a}` and `{a; b?}` accept each other), and a response schema
 * that lacks a field makes Fastify drop it from the answer; so `Identical`
 * also requires the same keys, optional or not, at every level.
 */
export type Identical<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless its type argument is `true`: `agree<Identical<Static<typeof S>, I>>()`. */
export const agree = <T extends true>(): T | undefined => undefined;
