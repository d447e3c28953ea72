/** A token bucket: `burst` frames at once, refilled at `perSec`. Cheap enough to keep one per socket. */
export interface Bucket {
  tokens: number;
  at: number;
}

export function newBucket(burst: number): Bucket {
  return { tokens: burst, at: Date.now() };
}

export function take(bucket: Bucket, perSec: number, burst: number, now = Date.now()): boolean {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSec);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
