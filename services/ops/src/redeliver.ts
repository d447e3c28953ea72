import { randomUUID } from 'node:crypto';
import type { AtomicSender } from '@tidings/kafka';
import { publishRedeliver } from '@tidings/gateway-service';
import { decodeCursor, type RedeliverAccepted, type RedeliverCommand } from '@tidings/protocol';
import { ApiError } from '@tidings/runtime';

export interface RedeliverRequest {
  userId: string;
  fromCursor?: string | undefined;
  fromTime?: string | undefined;
}

/**
 * Publishes a redeliver command on the control topic, which every gateway
 * node consumes; the node(s) holding the user's sockets push the events
 * again, flagged `redelivered: true` (clients drop what they have, by id).
 * Resolves once the command is durable in Kafka; the `requestId` names it in
 * the gateways' log lines. A cursor from another epoch is refused here, where
 * the operator sees the error, rather than only in a gateway's log.
 */
export async function requestRedeliver(sender: AtomicSender, controlTopic: string, epoch: string, req: RedeliverRequest): Promise<RedeliverAccepted> {
  if ((req.fromCursor === undefined) === (req.fromTime === undefined)) {
    throw new ApiError('TIDINGS_ERR_VALIDATION', 'give exactly one of fromCursor, fromTime', [{ path: '/', message: 'must have exactly one of fromCursor, fromTime' }]);
  }
  if (req.fromCursor !== undefined) {
    const decoded = decodeCursor(req.fromCursor);
    if (!decoded.ok) throw new ApiError('TIDINGS_ERR_VALIDATION', 'fromCursor is not a cursor', [{ path: '/fromCursor', message: 'is not a cursor' }]);
    if (decoded.position.epoch !== epoch) {
      throw new ApiError('TIDINGS_ERR_VALIDATION', 'fromCursor is from another epoch', [{ path: '/fromCursor', message: 'is a cursor from another epoch' }]);
    }
  }
  const cmd: RedeliverCommand = {
    type: 'redeliver',
    requestId: randomUUID(),
    userId: req.userId,
    ...(req.fromCursor !== undefined ? { fromCursor: req.fromCursor } : { fromTime: req.fromTime! }),
  };
  await publishRedeliver(sender, controlTopic, cmd);
  return { requestId: cmd.requestId };
}
