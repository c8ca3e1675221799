/**
 * Phase timings on stderr when FUNDWATCH_INGEST_TIMING=1 (benchmark and profiling): wall time and the process's
 * CPU time (all DuckDB threads), since on a shared machine the CPU time is the steadier measure of the work.
 */
export function startPhase(): (label: string) => void {
  if (process.env.FUNDWATCH_INGEST_TIMING !== '1') return () => undefined;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return (label) => {
    const c = process.cpuUsage(c0);
    const wall = Math.round(performance.now() - t0);
    process.stderr.write(`[ingest timing] ${label}: ${wall} ms wall, ${Math.round((c.user + c.system) / 1000)} ms cpu\n`);
  };
}
