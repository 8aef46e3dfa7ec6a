import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/**
 * A progress bar on stderr, and only when stderr is a terminal: logs and pipes must not fill
 * up with redraws, and stdout stays free for the results.
 */
export function startProgress(label: string, total: number): Progress {
  const stream = process.stderr;
  if (!stream.isTTY || total <= 0) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} events | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value) => bar.update(Math.min(value, total)),
    stop: () => bar.stop(),
  };
}
