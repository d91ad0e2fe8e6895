/** Which SQL engine a stage runs on, and why (said in the log so the choice is never a mystery). */
export interface EngineChoice {
  readonly engine: 'duckdb' | 'spark';
  readonly reason: string;
}

export function chooseEngine(requested: 'duckdb' | 'spark' | 'auto', inputBytes: number, spark: { master?: string | undefined; aboveBytes: number }): EngineChoice {
  if (requested === 'duckdb') return { engine: 'duckdb', reason: 'requested' };
  if (requested === 'spark') {
    if (!spark.master) throw Object.assign(new Error('--engine spark needs a Spark master: set spark.master in the config (local[*] or spark://host:port)'), { permanent: true });
    return { engine: 'spark', reason: 'requested' };
  }
  const mib = (b: number): string => `${(b / 1024 ** 2).toFixed(1)} MiB`;
  if (!spark.master) return { engine: 'duckdb', reason: `auto: no Spark master configured (input ${mib(inputBytes)})` };
  if (inputBytes > spark.aboveBytes) return { engine: 'spark', reason: `auto: input ${mib(inputBytes)} is above ${mib(spark.aboveBytes)} and a Spark master is configured` };
  return { engine: 'duckdb', reason: `auto: input ${mib(inputBytes)} is at most ${mib(spark.aboveBytes)}` };
}
