import { openChaosClient, type ChaosClient } from '../chaos/clients.js';
import { tokenFor } from '../testing/auth.js';

/**
 * Opens `perUser` SDK clients per user. Client k of user u prefers gateway
 * (u + k) mod n and falls back to the others in turn, so every node serves
 * clients, a user's clients sit on different nodes, and a dead node's
 * clients spread over the rest.
 */
export function openClients(users: readonly string[], perUser: number, gatewayUrls: readonly string[], secret: string): ChaosClient[] {
  const out: ChaosClient[] = [];
  users.forEach((userId, u) => {
    // One token per user, shared by its clients and their reconnects (it lives an hour).
    const token = tokenFor(secret, userId);
    for (let k = 0; k < perUser; k++) {
      const order = gatewayUrls.map((_, i) => gatewayUrls[(i + u + k) % gatewayUrls.length]!);
      out.push(openChaosClient({ userId, urls: order, getToken: () => token }));
    }
  });
  return out;
}
