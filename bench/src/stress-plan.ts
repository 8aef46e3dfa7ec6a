/** How big and how long each store's workload is. */
export interface StressPlan {
  writers: number;
  streams: number;
  maxAppends: number;
  maxBatch: number;
  seconds: number;
  /** Extra time a batch already started may spend retrying after the workload's end. */
  graceSeconds: number;
  /** How long the subscription may take to catch up after the writers stopped. */
  catchUpSeconds: number;
}

/** Two runner processes of one projection; the lease holder is killed mid-batch. */
export interface TakeoverPlan {
  leaseTtlMs: number;
  /** Small, so one burst of appends takes the holder several batches: it is busy when killed. */
  batchSize: number;
  streams: number;
  writers: number;
  /** Appends (of 1–4 events) per burst; bursts go on while the survivor takes over. */
  burstAppends: number;
  /** How long the survivor may take to apply the log to its head once the writers stopped. */
  catchUpSeconds: number;
}

export interface MongoStressPlan extends StressPlan {
  takeover: TakeoverPlan;
}

export const STRESS_PLANS: Record<
  'full' | 'quick',
  { inMemory: StressPlan; mongo: MongoStressPlan }
> = {
  full: {
    inMemory: {
      writers: 32,
      streams: 200,
      maxAppends: 500_000,
      maxBatch: 8,
      seconds: 60,
      graceSeconds: 5,
      catchUpSeconds: 30,
    },
    mongo: {
      writers: 16,
      streams: 40,
      maxAppends: 20_000,
      maxBatch: 8,
      seconds: 300,
      graceSeconds: 60,
      catchUpSeconds: 120,
      takeover: {
        leaseTtlMs: 1_000,
        batchSize: 50,
        // Below the ~50 documents per update command FerretDB answers (see bench-projections.ts).
        streams: 30,
        writers: 4,
        burstAppends: 400,
        catchUpSeconds: 120,
      },
    },
  },
  quick: {
    inMemory: {
      writers: 16,
      streams: 40,
      maxAppends: 20_000,
      maxBatch: 5,
      seconds: 8,
      graceSeconds: 5,
      catchUpSeconds: 15,
    },
    mongo: {
      writers: 8,
      streams: 12,
      maxAppends: 1_500,
      maxBatch: 5,
      seconds: 45,
      graceSeconds: 30,
      catchUpSeconds: 30,
      takeover: {
        leaseTtlMs: 1_000,
        batchSize: 25,
        streams: 12,
        writers: 3,
        burstAppends: 60,
        catchUpSeconds: 30,
      },
    },
  },
};
