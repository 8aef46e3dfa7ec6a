import type { CommitDocument } from '@flowra/eventstore-mongo/storage';
import type { Db } from 'mongodb';

export interface CommitLogCheck {
  commits: number;
  /** Commits whose positions do not follow the previous commit's exactly (overlaps, holes). */
  misplaced: number;
  findings: string[];
}

/**
 * The MongoDB store's own documents, read raw: each commit's positions start right after the
 * previous commit's and each stream's commits follow one another by version. Catches
 * overlapping commits that event-level reads could mask.
 */
export async function checkCommitLog(db: Db, collection = 'events'): Promise<CommitLogCheck> {
  const commits = await db
    .collection<CommitDocument>(collection)
    .find({})
    .sort({ position: 1 })
    .toArray();
  const result: CommitLogCheck = { commits: commits.length, misplaced: 0, findings: [] };
  const streamLast = new Map<string, number>();
  let last = 0;
  for (const c of commits) {
    const problems: string[] = [];
    if (c.position !== last + 1) problems.push(`starts at position ${c.position} after ${last}`);
    if (c.last_position !== c.position + c.events.length - 1)
      problems.push(`last_position ${c.last_position} does not match ${c.events.length} events`);
    const previousVersion = streamLast.get(c.aggregate_id) ?? 0;
    if (c.version !== previousVersion + 1)
      problems.push(`starts at version ${c.version} after ${previousVersion}`);
    if (problems.length > 0) {
      result.misplaced++;
      if (result.findings.length < 8)
        result.findings.push(
          `commit of ${c.aggregate_id} at ${c.position}: ${problems.join('; ')}`,
        );
    }
    streamLast.set(c.aggregate_id, Math.max(previousVersion, c.last_version));
    last = Math.max(last, c.last_position);
  }
  return result;
}
