/**
 * Wire constants with no dependencies, importable on their own as
 * `@tidings/protocol/constants` — the browser SDK bundle takes these without
 * pulling in TypeBox and Ajv (which the schemas in the main entry need).
 */

/** docs/contract.md §7: clients offer it, the server selects it. */
export const SUBPROTOCOL = 'tidings.v1';

/** WebSocket close codes of docs/contract.md §7. */
export const CloseCode = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  serverError: 1011,
  noHello: 4001,
  invalidToken: 4002,
  tokenExpired: 4003,
  forbidden: 4004,
  rateLimited: 4008,
  tooSlow: 4009,
});
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
