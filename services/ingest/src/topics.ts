import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Topic, UserId } from '@tidings/protocol';
import { authenticate } from '@tidings/runtime';
import type { IngestDeps } from './app.js';
import { subscribe, unsubscribe } from './subscriptions.js';

const SubscriberParams = Type.Object({ topic: Topic, userId: UserId });

/**
 * `PUT|DELETE /v1/topics/:topic/subscribers/:userId` (scope `topics:write`);
 * both idempotent, 204. The topic is the caller's own (its token's `sub`
 * owns it): another producer's topic of the same name is never touched.
 */
export function registerTopicRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const topicAuth = authenticate(deps.verify, 'topics:write');
  const opts = (summary: string) => ({
    onRequest: topicAuth,
    schema: { summary, params: SubscriberParams, response: { 204: Type.Null({ description: 'Done; repeating it changes nothing' }) }, tags: ['topics'] },
  });
  app.put('/v1/topics/:topic/subscribers/:userId', opts("Subscribe a user to one of the caller's topics (topics are scoped to the producer)"), async (request, reply) => {
    const { topic, userId } = request.params as { topic: string; userId: string };
    await subscribe(deps.pool, request.principal!.sub, topic, userId);
    return reply.code(204).send();
  });
  app.delete('/v1/topics/:topic/subscribers/:userId', opts("Unsubscribe a user from one of the caller's topics"), async (request, reply) => {
    const { topic, userId } = request.params as { topic: string; userId: string };
    await unsubscribe(deps.pool, request.principal!.sub, topic, userId);
    return reply.code(204).send();
  });
}
