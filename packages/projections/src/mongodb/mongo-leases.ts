import type { Collection } from 'mongodb';
import type { Lease } from '../read-model-store.js';
import { isDuplicateKey } from './mongo-errors.js';

/**
 * One document per acquisition, `_id` `<projection>#<epoch>`: two owners racing for an epoch
 * race to insert the same `_id`, and the unique index lets exactly one in. That holds on servers
 * whose conditional updates are not atomic under races (FerretDB), where a compare-and-set on a
 * single lease document would not.
 */
export interface LeaseDocument {
  _id: string;
  projection: string;
  epoch: number;
  owner: string;
  expiresAt: number;
}

export const LEASE_INDEX = { projection: 1, epoch: -1 } as const;

function leaseId(projection: string, epoch: number): string {
  return `${projection}#${epoch}`;
}

function leaseOf(doc: LeaseDocument): Lease {
  return {
    projection: doc.projection,
    owner: doc.owner,
    epoch: doc.epoch,
    expiresAt: doc.expiresAt,
  };
}

export async function currentLease(
  leases: Collection<LeaseDocument>,
  projection: string,
): Promise<Lease | null> {
  const [newest] = await leases.find({ projection }).sort({ epoch: -1 }).limit(1).toArray();
  return newest ? leaseOf(newest) : null;
}

export async function acquireLease(
  leases: Collection<LeaseDocument>,
  projection: string,
  owner: string,
  ttlMs: number,
  now: number,
): Promise<Lease | null> {
  const current = await currentLease(leases, projection);
  if (current && current.owner !== owner && current.expiresAt > now) return null;
  const lease: Lease = {
    projection,
    owner,
    epoch: (current?.epoch ?? 0) + 1,
    expiresAt: now + ttlMs,
  };
  const _id = leaseId(projection, lease.epoch);
  try {
    await leases.insertOne({ _id, ...lease });
  } catch (error) {
    if (isDuplicateKey(error)) return null;
    throw error;
  }
  // A caller that read long ago may have inserted an epoch whose document was since cleaned up
  // (below) and taken again: its lease is not the newest, so it did not win.
  const newest = await currentLease(leases, projection);
  if (newest?.epoch !== lease.epoch) {
    await leases.deleteOne({ _id, owner }).catch(() => {});
    return null;
  }
  // Older epochs only fence through the newest one's number: keeping them is not needed.
  await leases.deleteMany({ projection, epoch: { $lt: lease.epoch } }).catch(() => {});
  return lease;
}

export async function renewLease(
  leases: Collection<LeaseDocument>,
  lease: Lease,
  ttlMs: number,
  now: number,
): Promise<Lease | null> {
  const expiresAt = now + ttlMs;
  const result = await leases.updateOne(
    { _id: leaseId(lease.projection, lease.epoch), owner: lease.owner },
    { $set: { expiresAt } },
  );
  if (result.matchedCount === 0) return null;
  // Extending a lease someone has since taken over would not give it back.
  const newest = await currentLease(leases, lease.projection);
  if (newest?.epoch !== lease.epoch) return null;
  return { projection: lease.projection, owner: lease.owner, epoch: lease.epoch, expiresAt };
}

export async function releaseLease(leases: Collection<LeaseDocument>, lease: Lease): Promise<void> {
  await leases.updateOne(
    { _id: leaseId(lease.projection, lease.epoch), owner: lease.owner },
    { $set: { expiresAt: 0 } },
  );
}
