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

export const STRESS_PLANS: Record<'full' | 'quick', { inMemory: StressPlan; mongo: StressPlan }> = {
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
    },
  },
};
