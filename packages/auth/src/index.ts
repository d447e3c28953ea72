export { AuthError } from './errors.js';
export type { AuthErrorCode } from './errors.js';
export { bearerToken, createVerifier, requireScope } from './verifier.js';
export type { Principal, TokenVerifier, VerifierOptions } from './verifier.js';
export { mintToken } from './mint.js';
export type { MintOptions } from './mint.js';
export { AuthEnv, verifierOptionsFrom } from './env.js';
export { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevAuth } from './devkeys.js';
export type { DevAuth } from './devkeys.js';
