// Preloaded into the measured CLI run: reports its peak resident set size on exit.
process.on("exit", () => {
  process.stderr.write(`\nLOCK2NIX_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
