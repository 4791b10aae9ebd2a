// One clock for two processes: performance.now() counts from each process's own start, but both
// run on CLOCK_MONOTONIC, which process.hrtime reads machine-wide. Adding this offset to a
// performance.now() value gives ms on the machine's monotonic clock, comparable across processes.
export function monotonicOffsetMs(): number {
  // The tightest of a few paired readings, so a preemption between the reads cannot skew it.
  let bestSpan = Infinity;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < bestSpan) {
      bestSpan = after - before;
      offset = mono - (before + after) / 2;
    }
  }
  return offset;
}
